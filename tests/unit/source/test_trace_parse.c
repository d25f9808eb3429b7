/* test_trace_parse.c: trace_parse_line on single lines -- the extensions, the
 * lenient parts (floats, nulls, unknown fields) and every kind of bad line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "source/trace.h"

struct fixture {
	struct snapshot s;
	struct trace_event ev;
	enum trace_rec_kind k;
	char err[VT_ERRMSG_MAX];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snapshot_init(&f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	snapshot_free(&f->s);
	free(f);
	return 0;
}

static int parse(struct fixture *f, const char *line)
{
	return trace_parse_line(line, strlen(line), &f->k, &f->s, &f->ev, f->err, sizeof(f->err));
}

static void test_extensions(void **state)
{
	struct fixture *f = *state;
	const char *line =
	    "{\"t\":1700000000.125,\"driver_version\":\"580.159\",\"gpus\":["
	    "{\"i\":1,\"name\":\"NVIDIA "
	    "H200\",\"uuid\":\"GPU-abc\",\"bus_id\":\"00000000:1B:00.0\","
	    "\"state\":\"ok\",\"total\":150754820096,\"used\":1000,\"free\":150754819096,"
	    "\"reserved\":512,\"util_gpu\":97,\"util_mem\":40,\"temp_c\":61,\"fan_pct\":null,"
	    "\"power_mw\":512000,\"power_limit_mw\":700000,\"clock_sm_mhz\":1980,"
	    "\"clock_mem_mhz\":3201,\"pcie_tx_kbs\":12,\"pcie_rx_kbs\":34,\"mig\":false},"
	    "{\"i\":3,\"state\":\"lost\",\"error\":\"GPU is lost\"},"
	    "{\"i\":5,\"state\":\"error\",\"error\":\"Unknown Error\",\"name\":\"x\"}],"
	    "\"procs\":[{\"gpu\":1,\"pid\":4242,\"used\":900,\"name\":\"python3\","
	    "\"starttime\":123456,\"user\":\"alice\",\"uid\":1000,\"type\":\"compute+graphics\"},"
	    "{\"gpu\":1,\"pid\":4243,\"used\":null,\"type\":\"graphics\"},"
	    "{\"gpu\":3,\"pid\":1,\"used\":5,\"mps\":true}]}";
	assert_int_equal(parse(f, line), VT_OK);
	assert_int_equal(f->k, TREC_SAMPLE);
	struct snapshot *s = &f->s;
	assert_true(s->time == 1700000000.125);
	assert_true(s->driver_valid);
	assert_string_equal(s->driver_version, "580.159");
	assert_int_equal(s->ngpus, 3);
	struct snap_gpu *g = &s->gpus[0];
	assert_int_equal(g->index, 1);
	assert_string_equal(g->name, "NVIDIA H200");
	assert_string_equal(g->uuid, "GPU-abc");
	assert_string_equal(g->pci_bus_id, "00000000:1B:00.0");
	assert_int_equal(g->state, GPU_STATE_OK);
	assert_int_equal(g->mem_total, 150754820096u);
	assert_int_equal(g->mem_reserved, 512);
	assert_int_equal(g->util_gpu, 97);
	assert_int_equal(g->util_mem, 40);
	assert_int_equal(g->temp_c, 61);
	assert_int_equal(g->power_mw, 512000);
	assert_int_equal(g->power_limit_mw, 700000);
	assert_int_equal(g->clock_sm_mhz, 1980);
	assert_int_equal(g->clock_mem_mhz, 3201);
	assert_int_equal(g->pcie_tx_kbs, 12);
	assert_int_equal(g->pcie_rx_kbs, 34);
	assert_false(g->mig_enabled);
	assert_int_equal(g->valid, GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE | GM_MEM_RESERVED |
	                               GM_UTIL_GPU | GM_UTIL_MEM | GM_TEMP | GM_POWER |
	                               GM_POWER_LIMIT | GM_CLOCK_SM | GM_CLOCK_MEM | GM_PCIE_TX |
	                               GM_PCIE_RX | GM_MIG | GM_NAME | GM_UUID |
	                               GM_BUSID); /* fan is null: not valid */
	assert_int_equal(s->gpus[1].index, 3);
	assert_int_equal(s->gpus[1].state, GPU_STATE_LOST);
	assert_string_equal(s->gpus[1].error, "GPU is lost");
	assert_int_equal(s->gpus[1].valid, 0);
	assert_int_equal(s->gpus[2].state, GPU_STATE_ERROR);
	assert_int_equal(s->gpus[2].valid, GM_NAME);

	assert_int_equal(s->nprocs, 3);
	struct snap_proc *p = &s->procs[0];
	assert_int_equal(p->gpu, 0); /* position of NVML index 1 */
	assert_int_equal(p->pid, 4242);
	assert_int_equal(p->used, 900);
	assert_string_equal(p->name, "python3");
	assert_int_equal(p->starttime, 123456);
	assert_string_equal(p->user, "alice");
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->type, PROC_COMPUTE | PROC_GRAPHICS);
	assert_int_equal(p->flags, PF_USED_VALID | PF_START_VALID | PF_UID_VALID | PF_NAME_VALID);
	assert_int_equal(s->procs[1].flags, 0); /* used: null */
	assert_int_equal(s->procs[1].type, PROC_GRAPHICS);
	assert_int_equal(s->procs[2].gpu, 1);
	assert_int_equal(s->procs[2].type, PROC_COMPUTE | PROC_MPS);
}

static void test_lenient_parts(void **state)
{
	struct fixture *f = *state;
	/* floats for bytes, exponents, unknown fields of every shape, key order */
	const char *line =
	    "  {\"procs\": [{\"used\": 2.5e3, \"x\": {\"a\": [1, {\"b\": null}], \"c\": \"\\\"}\"},"
	    " \"pid\": 9, \"gpu\": 0}], \"phase\": {\"state\": \"GROWING\", \"rate\": -1.5E-2},"
	    " \"gpus\": [{\"used\": 1024.4, \"i\": 0, \"total\": 1e10, \"extra\": [[], {}, true,"
	    " false, null, -0, 0.5, \"\\u00e9\\ud83d\\ude00\"]}], \"t\": 5}  \r";
	assert_int_equal(parse(f, line), VT_OK);
	assert_int_equal(f->k, TREC_SAMPLE);
	assert_true(f->s.time == 5.0);
	assert_int_equal(f->s.gpus[0].mem_used, 1024);
	assert_int_equal(f->s.gpus[0].mem_total, 10000000000u);
	assert_int_equal(f->s.procs[0].used, 2500);
	assert_int_equal(f->s.procs[0].pid, 9);
	/* the largest byte count there is */
	assert_int_equal(parse(f, "{\"t\":1,\"gpus\":[{\"i\":0,\"used\":18446744073709551615}]}"),
	                 VT_OK);
	assert_true(f->s.gpus[0].mem_used == UINT64_MAX);
	/* an event: unknown fields ignored, null pid means absent */
	assert_int_equal(
	    parse(f, "{\"t\":3.5,\"event\":\"exit\",\"pid\":null,\"rc\":-9,\"cmd\":\"a b\"}"),
	    VT_OK);
	assert_int_equal(f->k, TREC_EVENT);
	assert_string_equal(f->ev.event, "exit");
	assert_int_equal(f->ev.pid, 0);
	assert_true(f->ev.has_rc);
	assert_int_equal(f->ev.rc, -9);
	assert_int_equal(f->ev.gpu, -1);
	assert_false(f->ev.has_at);
	/* an event name is sanitised and cut */
	assert_int_equal(parse(f, "{\"t\":1,\"event\":\"\\u001b[31mred_and_very_long_event\"}"),
	                 VT_OK);
	assert_string_equal(f->ev.event, "red_and_very_lo");
	/* escapes in names: decoded, control characters removed */
	assert_int_equal(parse(f, "{\"t\":1,\"gpus\":[{\"i\":0}],\"procs\":[{\"gpu\":0,\"pid\":1,"
	                          "\"name\":\"a\\tb\\u0007c\\u00e9\\ud83d\\ude00\\udc00\"}]}"),
	                 VT_OK);
	assert_string_equal(f->s.procs[0].name, "a bc\xc3\xa9\xf0\x9f\x98\x80\xef\xbf\xbd");
	/* a key given twice: the last wins and leaves nothing of the first behind */
	assert_int_equal(
	    parse(f, "{\"t\":1,\"gpus\":[{\"i\":0,\"name\":\"long name\",\"name\":\"ab\"}]}"),
	    VT_OK);
	assert_string_equal(f->s.gpus[0].name, "ab");
	static const char zeros[VT_GPU_NAME_MAX];
	assert_memory_equal(f->s.gpus[0].name + 2, zeros, sizeof(zeros) - 2);
	/* "mps" alone still makes a compute process */
	assert_int_equal(parse(f, "{\"t\":1,\"gpus\":[{\"i\":0}],\"procs\":[{\"gpu\":0,"
	                          "\"pid\":1,\"type\":\"mps\"}]}"),
	                 VT_OK);
	assert_int_equal(f->s.procs[0].type, PROC_COMPUTE | PROC_MPS);
	/* escaped key */
	assert_int_equal(parse(f, "{\"\\u0074\":7,\"gp\\u0075s\":[]}"), VT_OK);
	assert_true(f->s.time == 7.0);
}

static void test_integers_of_every_length(void **state)
{
	struct fixture *f = *state;
	char line[128];
	uint64_t v = 0;
	for (int len = 1; len <= 20; len++) {
		v = v * 10 + (uint64_t)(len % 10 ? len % 10 : 7); /* 1, 12, 123, ... */
		if (len == 20)
			v = UINT64_C(18446744073709551615);
		for (int variant = 0; variant < 3; variant++) {
			/* the number ends at a comma, a brace or the end of the input */
			static const char *tail[] = {",\"free\":1}]}", "}]}", ""};
			snprintf(line, sizeof(line), "{\"t\":1,\"gpus\":[{\"i\":0,\"used\":%llu%s",
			         (unsigned long long)v, tail[variant]);
			int rc = parse(f, line);
			if (variant == 2) {
				assert_int_equal(rc, VT_ERR);
				continue;
			}
			assert_int_equal(rc, VT_OK);
			assert_true(f->s.gpus[0].mem_used == v);
		}
	}
	/* digits with a non-digit in the first eight */
	assert_int_equal(parse(f, "{\"t\":1,\"gpus\":[{\"i\":0,\"used\":1234:678}]}"), VT_ERR);
	assert_int_equal(parse(f, "{\"t\":1,\"gpus\":[{\"i\":0,\"used\":12345678.5}]}"), VT_OK);
	assert_int_equal(f->s.gpus[0].mem_used, 12345679);
	assert_int_equal(parse(f, "{\"t\":1,\"gpus\":[{\"i\":0,\"used\":00000000}]}"), VT_ERR);
}

/* A process object's usual head ({"gpu": N, "pid": N, "used": N) has a fast
 * reader; every spelling must read as the general reader reads it (tabs
 * force the general path), and its errors must be the general ones. */
static void test_process_head_fast_and_general_agree(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *proc;
		int pid;
		unsigned long long used;
		bool used_valid;
	} ok[] = {
	    {"{\"gpu\": 0, \"pid\": 17, \"used\": 123456789012}", 17, 123456789012ull, true},
	    {"{\"gpu\":0,\"pid\":17,\"used\":123456789012}", 17, 123456789012ull, true},
	    {"{\t\"gpu\":\t0,\t\"pid\":\t17,\t\"used\":\t123456789012\t}", 17, 123456789012ull,
	     true},
	    {"{\"gpu\": 0, \"pid\": 17, \"used\": 5, \"name\": \"x\"}", 17, 5, true},
	    {"{\"gpu\": 0, \"pid\": 17, \"used\": 5, \"used\": 6}", 17, 6, true},
	    {"{\"gpu\": 0, \"pid\": 17, \"used\": null}", 17, 0, false},
	    {"{\"gpu\": 0, \"pid\": 17, \"used\": 5.5}", 17, 6, true},
	    {"{\"gpu\": 0, \"pid\": 17}", 17, 0, false},
	    {"{\"pid\": 17, \"gpu\": 0, \"used\": 9}", 17, 9, true},
	    {"{\"gpu\": 0, \"pid\": 2147483647, \"used\": 18446744073709551615}", 2147483647,
	     18446744073709551615ull, true},
	};
	char line[256];
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(line, sizeof(line), "{\"t\": 1, \"gpus\": [{\"i\": 0}], \"procs\": [%s]}",
		         ok[i].proc);
		if (parse(f, line) != VT_OK)
			fail_msg("<%s>: %s", ok[i].proc, f->err);
		assert_int_equal(f->s.nprocs, 1);
		assert_int_equal(f->s.procs[0].pid, ok[i].pid);
		assert_true(f->s.procs[0].used == ok[i].used);
		assert_int_equal(!!(f->s.procs[0].flags & PF_USED_VALID), ok[i].used_valid);
	}
	static const struct {
		const char *proc, *msg;
	} bad[] = {
	    {"{\"gpu\": 70000, \"pid\": 1, \"used\": 2}", "col 48: gpu index out of range"},
	    {"{\"gpu\": 0, \"pid\": 2147483648, \"used\": 2}", "col 58: pid out of range"},
	    {"{\"gpu\": 0, \"pid\": 1, \"used\": 012}", "expected ',' or '}'"},
	    {"{\"gpu\": 0, \"pid\": 1, \"used\": -5}", "negative bytes"},
	    {"{\"gpu\": 0, \"pid\": 1, \"used\": 5, \"gpu\": 9}", "which the sample does not list"},
	    {"{\"gpu\": 0, \"pid\": 1, \"used\": 5", "col 70: expected ',' or '}'"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "{\"t\": 1, \"gpus\": [{\"i\": 0}], \"procs\": [%s]}",
		         bad[i].proc);
		if (parse(f, line) != VT_ERR || !strstr(f->err, bad[i].msg))
			fail_msg("<%s>: err <%s>, want <%s>", bad[i].proc, f->err, bad[i].msg);
	}
}

/* The same for a GPU object's v1 head ({"i", "total", "used", "free"}). */
static void test_gpu_head_fast_and_general_agree(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *gpu;
		unsigned used;
		uint32_t valid;
	} ok[] = {
	    {"{\"i\": 3, \"total\": 100, \"used\": 40, \"free\": 60}", 40,
	     GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE},
	    {"{\"i\":3,\"total\":100,\"used\":40,\"free\":60}", 40,
	     GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE},
	    {"{\"i\":\t3,\t\"total\":\t100,\t\"used\":\t40,\t\"free\":\t60}", 40,
	     GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE},
	    {"{\"i\": 3, \"total\": 100, \"used\": 40, \"free\": null}", 40,
	     GM_MEM_TOTAL | GM_MEM_USED},
	    {"{\"i\": 3, \"total\": 100, \"used\": 40, \"free\": 60, \"used\": 41}", 41,
	     GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE},
	    {"{\"i\": 3, \"total\": 100, \"used\": 40, \"free\": 60, \"temp_c\": 50}", 40,
	     GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE | GM_TEMP},
	};
	char line[256];
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		snprintf(line, sizeof(line), "{\"t\": 1, \"gpus\": [%s]}", ok[i].gpu);
		if (parse(f, line) != VT_OK)
			fail_msg("<%s>: %s", ok[i].gpu, f->err);
		assert_int_equal(f->s.ngpus, 1);
		assert_int_equal(f->s.gpus[0].index, 3);
		assert_int_equal(f->s.gpus[0].mem_total, 100);
		assert_int_equal(f->s.gpus[0].mem_used, ok[i].used);
		assert_int_equal(f->s.gpus[0].valid &
		                     (GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE | GM_TEMP),
		                 ok[i].valid);
	}
	assert_int_equal(parse(f, "{\"t\": 1, \"gpus\": [{\"i\": 70000, \"total\": 1, \"used\": 1, "
	                          "\"free\": 0}]}"),
	                 VT_ERR);
	assert_string_equal(f->err, "col 25: gpu index out of range");
	assert_int_equal(
	    parse(f, "{\"t\": 1, \"gpus\": [{\"i\": 0, \"total\": 1, \"used\": 1, "
	             "\"free\": 0}, {\"i\": 0, \"total\": 1, \"used\": 1, \"free\": 0}]}"),
	    VT_ERR);
	assert_non_null(strstr(f->err, "gpu 0 listed twice"));
}

static void test_interleaved_procs_grouped(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f,
	                       "{\"t\":1,\"gpus\":[{\"i\":4},{\"i\":2}],\"procs\":["
	                       "{\"gpu\":2,\"pid\":1},{\"gpu\":4,\"pid\":2},{\"gpu\":2,\"pid\":3},"
	                       "{\"gpu\":4,\"pid\":4}]}"),
	                 VT_OK);
	assert_int_equal(f->s.nprocs, 4);
	static const int want_pid[] = {2, 4, 1, 3}, want_gpu[] = {0, 0, 1, 1};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(f->s.procs[i].pid, want_pid[i]);
		assert_int_equal(f->s.procs[i].gpu, want_gpu[i]);
	}
}

/* A (gpu, pid) listed twice in one sample is one row, by the live path's rule
 * (nvml_sample.c, rows_add): type bits OR'ed, usage the largest valid figure;
 * fields the first listing lacks come from the later one. The row stays where
 * the PID was first listed; the same PID on another GPU is another row. */
static void test_duplicate_procs_merged(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(
	    parse(f, "{\"t\":1,\"gpus\":[{\"i\":0},{\"i\":1}],\"procs\":["
	             "{\"gpu\":0,\"pid\":9,\"used\":5},"
	             "{\"gpu\":0,\"pid\":7,\"used\":100,\"type\":\"compute\",\"name\":\"a\"},"
	             "{\"gpu\":1,\"pid\":7,\"used\":1},"
	             "{\"gpu\":0,\"pid\":7,\"used\":300,\"type\":\"graphics\",\"name\":\"b\","
	             "\"starttime\":42,\"uid\":5,\"user\":\"u\"},"
	             "{\"gpu\":0,\"pid\":7,\"used\":200,\"mps\":true},"
	             "{\"gpu\":0,\"pid\":3,\"used\":null},{\"gpu\":0,\"pid\":3,\"used\":8},"
	             "{\"gpu\":0,\"pid\":4,\"used\":6},{\"gpu\":0,\"pid\":4,\"used\":null}]}"),
	    VT_OK);
	assert_int_equal(f->s.nprocs, 5);
	static const int want_pid[] = {9, 7, 3, 4, 7}, want_gpu[] = {0, 0, 0, 0, 1};
	static const uint64_t want_used[] = {5, 300, 8, 6, 1};
	for (int i = 0; i < 5; i++) {
		assert_int_equal(f->s.procs[i].pid, want_pid[i]);
		assert_int_equal(f->s.procs[i].gpu, want_gpu[i]);
		assert_int_equal(f->s.procs[i].used, want_used[i]);
		assert_true(f->s.procs[i].flags & PF_USED_VALID);
	}
	const struct snap_proc *p = &f->s.procs[1];
	assert_int_equal(p->type, PROC_COMPUTE | PROC_GRAPHICS | PROC_MPS);
	assert_string_equal(p->name, "a"); /* the first listing's */
	assert_true(p->flags & PF_START_VALID);
	assert_int_equal(p->starttime, 42); /* the first lacked it */
	assert_true(p->flags & PF_UID_VALID);
	assert_int_equal(p->uid, 5);
	assert_string_equal(p->user, "u");
	assert_int_equal(f->s.procs[4].type, PROC_COMPUTE);
	/* a large group (the sorted path): 100 PIDs, each listed twice, the second
	 * time larger, and one PID three times */
	char line[16384];
	size_t n = (size_t)snprintf(line, sizeof line, "{\"t\":1,\"gpus\":[{\"i\":0}],\"procs\":[");
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < 100; i++)
			n += (size_t)snprintf(line + n, sizeof line - n,
			                      "{\"gpu\":0,\"pid\":%d,\"used\":%d},", 1000 - i * 7,
			                      pass * 1000 + i);
	n +=
	    (size_t)snprintf(line + n, sizeof line - n, "{\"gpu\":0,\"pid\":1000,\"used\":5000}]}");
	assert_true(n < sizeof line);
	assert_int_equal(parse(f, line), VT_OK);
	assert_int_equal(f->s.nprocs, 100);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(f->s.procs[i].pid, 1000 - i * 7);
		assert_int_equal(f->s.procs[i].used, i ? 1000 + i : 5000);
	}
	/* distinct PIDs in any order are left alone */
	assert_int_equal(parse(f, "{\"t\":1,\"gpus\":[{\"i\":0}],\"procs\":[{\"gpu\":0,\"pid\":5},"
	                          "{\"gpu\":0,\"pid\":2},{\"gpu\":0,\"pid\":9}]}"),
	                 VT_OK);
	assert_int_equal(f->s.nprocs, 3);
	assert_int_equal(f->s.procs[1].pid, 2);
}

/* What vramtop writes it reads: a metric the driver reported out of its
 * sensible range ("util_gpu":240) is read as written -- judging it is
 * snapshot_clamp_values' job, once for every source -- and one too large for
 * its field is read as absent; neither makes the line malformed. */
static void test_metrics_any_unsigned(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "{\"t\":1,\"gpus\":[{\"i\":0,\"total\":10,\"used\":20,"
	                          "\"util_gpu\":240,\"util_mem\":101,\"fan_pct\":130,"
	                          "\"temp_c\":5000,\"power_mw\":4000000000,"
	                          "\"clock_sm_mhz\":4294967295,\"pcie_tx_kbs\":1e3}]}"),
	                 VT_OK);
	const struct snap_gpu *g = &f->s.gpus[0];
	assert_int_equal(g->util_gpu, 240);
	assert_int_equal(g->util_mem, 101);
	assert_int_equal(g->fan_pct, 130);
	assert_int_equal(g->temp_c, 5000);
	assert_int_equal(g->power_mw, 4000000000u);
	assert_int_equal(g->clock_sm_mhz, 4294967295u);
	assert_int_equal(g->pcie_tx_kbs, 1000);
	uint32_t all = GM_UTIL_GPU | GM_UTIL_MEM | GM_FAN | GM_TEMP | GM_POWER | GM_CLOCK_SM |
	               GM_PCIE_TX | GM_MEM_USED | GM_MEM_TOTAL;
	assert_int_equal(g->valid & all, all);
	/* too large for the field: absent, and the rest of the line is read */
	assert_int_equal(parse(f, "{\"t\":1,\"gpus\":[{\"i\":0,\"util_gpu\":4294967296,"
	                          "\"temp_c\":99999999999999999999999,\"fan_pct\":1e300,"
	                          "\"util_mem\":7}]}"),
	                 VT_OK);
	g = &f->s.gpus[0];
	assert_false(g->valid & (GM_UTIL_GPU | GM_TEMP | GM_FAN));
	assert_int_equal(g->util_gpu, 0);
	assert_true(g->valid & GM_UTIL_MEM);
	assert_int_equal(g->util_mem, 7);
}

static void test_malformed(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *line, *msg;
	} bad[] = {
	    {"", "expected '{', line ends"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0, \"used\": 12", "line ends inside an object"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0}", "line ends inside an array"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0}]", "line ends inside an object"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0}]}}", "text after the record"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0}]} {}", "text after the record"},
	    {"{\"t\": \"now\", \"gpus\": []}", "expected a number"},
	    {"{\"t\": 1, \"gpus\": {}}", "expected '['"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0, \"used\": true}]}", "expected a number"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0, \"used\": -1}]}", "negative bytes"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0, \"used\": -2.5}]}", "negative bytes"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0, \"used\": 18446744073709551616}]}", "out of range"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0, \"used\": 1e300}]}", "out of range"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0, \"used\": 1e99999999}]}", "out of range"},
	    {"{\"t\": 1e400, \"gpus\": []}", "t out of range"},
	    {"{\"t\": -1, \"gpus\": []}", "t out of range"},
	    {"{\"t\": 1e308, \"gpus\": []}", "t out of range (0 to 2^40 s)"},
	    {"{\"t\": 18446744073709551616, \"gpus\": []}", "t out of range"},
	    {"{\"t\": 1099511627776.001, \"gpus\": []}", "t out of range"},
	    {"{\"t\": 1e308, \"event\": \"oom\"}", "t out of range"},
	    {"{\"t\": NaN, \"gpus\": []}", "expected a number"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0, \"util_gpu\": -1}]}", "negative util_gpu"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0, \"fan_pct\": \"90\"}]}", "expected a number"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0, \"temp_c\": true}]}", "expected a number"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 70000}]}", "gpu index out of range"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0}], \"procs\": [{\"gpu\": 0, \"pid\": 4294967296}]}",
	     "pid out of range"},
	    {"{\"t\": 1, \"gpus\": [{\"used\": 5}]}", "gpu without \"i\""},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0}, {\"i\": 0}]}", "gpu 0 listed twice"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0}], \"procs\": [{\"pid\": 5}]}",
	     "process without \"gpu\""},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0}], \"procs\": [{\"gpu\": 0}]}",
	     "process without \"pid\""},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0}], \"procs\": [{\"gpu\": 1, \"pid\": 5}]}",
	     "process 5 on gpu 1, which the sample does not list"},
	    {"{\"gpus\": []}", "record without \"t\""},
	    {"{\"t\": 1}", "neither a sample"},
	    {"{\"t\": 1, \"t\": 2, \"gpus\": []}", "\"t\" given twice"},
	    {"{\"t\": 1, \"gpus\": [], \"gpus\": []}", "\"gpus\" given twice"},
	    {"{\"t\": 01, \"gpus\": []}", "expected ',' or '}'"},
	    {"{\"t\": 1., \"gpus\": []}", "digit expected after '.'"},
	    {"{\"t\": 1e, \"gpus\": []}", "digit expected in exponent"},
	    {"{\"t\": -, \"gpus\": []}", "expected a number"},
	    {"{\"t\": 1, \"gpus\": [], \"x\": tru}", "unexpected character"},
	    {"{\"t\": 1, \"gpus\": [], \"x\": nul}", "unexpected character"},
	    {"{\"t\": 1, \"gpus\": [], \"x\": \"a\\qb\"}", "bad escape"},
	    {"{\"t\": 1, \"gpus\": [], \"x\": \"\\u12G4\"}", "bad \\u escape"},
	    {"{\"t\": 1, \"gpus\": [], \"x\": \"\\u12", "truncated \\u escape"},
	    {"{\"t\": 1, \"gpus\": [], \"x\": \"a\tb\"}", "control character in string"},
	    {"{\"t\": 1, \"gpus\": [], \"x\": \"abc", "unterminated string"},
	    {"{\"t\": 1, \"gpus\": [], \"x\": [1,]}", "col 30: expected a number"},
	    {"{\"t\": 1, \"gpus\": [], \"x\": [1 2]}", "expected ',' or ']'"},
	    {"{\"t\": 1, \"gpus\": [], \"x\": {1: 2}}", "expected a member name"},
	    {"{\"t\": 1, \"gpus\": [], \"x\": {\"a\" 2}}", "expected ':'"},
	    {"{\"t\": 1, \"gpus\": [],}", "expected a member name"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0, \"mig\": 1}]}", "expected true or false"},
	    {"{\"t\": 1, \"gpus\": [{\"i\": 0, \"name\": 5}]}", "expected a string"},
	    {"{\"t\": 1, \"event\": 5}", "expected a string"},
	    {"{\"t\": 1, \"event\": \"exit\", \"rc\": 3000000000}", "rc out of range"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		f->err[0] = '\0';
		int rc = parse(f, bad[i].line);
		if (rc != VT_ERR || !strstr(f->err, bad[i].msg) ||
		    strncmp(f->err, "col ", 4) != 0 ||
		    (strncmp(bad[i].msg, "col ", 4) == 0 &&
		     strncmp(f->err, bad[i].msg, strlen(bad[i].msg)) != 0))
			fail_msg("line %zu <%s>: rc %d, err <%s>, want <%s>", i, bad[i].line, rc,
			         f->err, bad[i].msg);
	}
	/* the edges of t's range are in it; an event's "at" (the workload's own
	 * clock) has no upper bound */
	assert_int_equal(parse(f, "{\"t\": 1099511627776, \"gpus\": []}"), VT_OK);
	assert_true(f->s.time == 1099511627776.0);
	assert_int_equal(parse(f, "{\"t\": 0, \"gpus\": []}"), VT_OK);
	assert_int_equal(parse(f, "{\"t\": 0, \"event\": \"x\", \"at\": 1e300}"), VT_OK);
	assert_true(f->ev.at == 1e300);
	/* and the parser is fine afterwards */
	assert_int_equal(parse(f, "{\"t\":1,\"gpus\":[{\"i\":0,\"used\":3}]}"), VT_OK);
	assert_int_equal(f->s.gpus[0].mem_used, 3);
}

static void test_column_reported(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "{\"t\": 1, \"gpus\": [{\"i\": 0, \"used\": -1}]}"), VT_ERR);
	assert_string_equal(f->err, "col 36: negative bytes");
}

static void test_nesting_limit(void **state)
{
	struct fixture *f = *state;
	char line[1024];
	for (int depth = 60; depth <= 70; depth += 10) {
		size_t n = (size_t)snprintf(line, sizeof(line), "{\"t\":1,\"gpus\":[],\"x\":");
		for (int i = 0; i < depth; i++)
			line[n++] = '[';
		for (int i = 0; i < depth; i++)
			line[n++] = ']';
		line[n++] = '}';
		line[n] = '\0';
		int rc = parse(f, line);
		if (depth == 60) {
			assert_int_equal(rc, VT_OK);
		} else {
			assert_int_equal(rc, VT_ERR);
			assert_non_null(strstr(f->err, "nesting deeper than 64"));
		}
	}
	/* a very deep line must not overflow the stack */
	size_t big = 1u << 20;
	char *deep = malloc(big + 64);
	size_t n = (size_t)snprintf(deep, 64, "{\"t\":1,\"gpus\":[],\"x\":");
	memset(deep + n, '[', big);
	assert_int_equal(
	    trace_parse_line(deep, n + big, &f->k, &f->s, &f->ev, f->err, sizeof(f->err)), VT_ERR);
	free(deep);
}

static void test_bytes_not_nul_terminated(void **state)
{
	struct fixture *f = *state;
	/* the parser must stop at len, not at a NUL */
	const char *line = "{\"t\":1,\"gpus\":[{\"i\":0,\"used\":123}]}garbage";
	assert_int_equal(
	    trace_parse_line(line, strlen(line) - 7, &f->k, &f->s, &f->ev, f->err, sizeof(f->err)),
	    VT_OK);
	assert_int_equal(f->s.gpus[0].mem_used, 123);
	assert_int_equal(trace_parse_line(line, 30, &f->k, &f->s, &f->ev, f->err, sizeof(f->err)),
	                 VT_ERR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_extensions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lenient_parts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_integers_of_every_length, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_process_head_fast_and_general_agree, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_gpu_head_fast_and_general_agree, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_interleaved_procs_grouped, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_duplicate_procs_merged, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_metrics_any_unsigned, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_column_reported, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nesting_limit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bytes_not_nul_terminated, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
