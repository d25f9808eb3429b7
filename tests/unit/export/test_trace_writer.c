/* test_trace_writer.c: what the writer writes, the reader reads back equal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core/error.h"
#include "core/xalloc.h"
#include "export/trace_writer.h"
#include "source/trace.h"

/* A snapshot using every field the format carries. */
static void fill(struct snapshot *s, double t)
{
	snapshot_reset(s);
	s->time = t;
	s->driver_valid = true;
	vt_strlcpy(s->driver_version, "580.159", sizeof(s->driver_version));
	struct snap_gpu *g = snapshot_add_gpu(s);
	g->index = 2;
	g->valid = GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE | GM_MEM_RESERVED | GM_UTIL_GPU |
	           GM_UTIL_MEM | GM_TEMP | GM_POWER | GM_POWER_LIMIT | GM_CLOCK_SM | GM_CLOCK_MEM |
	           GM_PCIE_TX | GM_PCIE_RX | GM_MIG | GM_FAN | GM_NAME | GM_UUID | GM_BUSID;
	vt_strlcpy(g->name, "NVIDIA H200", sizeof(g->name));
	vt_strlcpy(g->uuid, "GPU-2f1c0d7e-aaaa-bbbb-cccc-0123456789ab", sizeof(g->uuid));
	vt_strlcpy(g->pci_bus_id, "00000000:1B:00.0", sizeof(g->pci_bus_id));
	g->mem_total = 150754820096u;
	g->mem_used = 119407509504u;
	g->mem_free = 31347310592u;
	g->mem_reserved = 524288;
	g->util_gpu = 99;
	g->util_mem = 41;
	g->temp_c = 63;
	g->fan_pct = 0;
	g->power_mw = 612345;
	g->power_limit_mw = 700000;
	g->clock_sm_mhz = 1980;
	g->clock_mem_mhz = 3201;
	g->pcie_tx_kbs = 123456;
	g->pcie_rx_kbs = 4000000000u;
	g->mig_enabled = true;

	g = snapshot_add_gpu(s); /* lost: nothing but identity and state */
	g->index = 5;
	g->state = GPU_STATE_LOST;
	g->valid = GM_NAME;
	vt_strlcpy(g->name, "NVIDIA H200", sizeof(g->name));
	vt_strlcpy(g->error, "GPU is lost", sizeof(g->error));

	g = snapshot_add_gpu(s); /* only v1 memory */
	g->index = 0;
	g->valid = GM_MEM_TOTAL | GM_MEM_USED | GM_MEM_FREE;
	g->mem_total = 1000;
	g->mem_used = 0;
	g->mem_free = 1000;

	struct snap_proc *p = snapshot_add_proc(s);
	p->gpu = 0;
	p->pid = 4242;
	p->starttime = 987654321;
	p->uid = 1000;
	p->flags = PF_USED_VALID | PF_START_VALID | PF_UID_VALID | PF_NAME_VALID;
	p->type = PROC_COMPUTE | PROC_GRAPHICS;
	p->used = 118753329152u;
	vt_strlcpy(p->user, "alice", sizeof(p->user));
	vt_strlcpy(p->name, "python3 train.py --tag=\"x\" caf\xc3\xa9", sizeof(p->name));
	vt_strlcpy(p->framework, "vllm", sizeof(p->framework));
	vt_strlcpy(p->container,
	           "docker:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	           sizeof(p->container));

	p = snapshot_add_proc(s);
	p->gpu = 0;
	p->pid = 4243;
	p->flags = 0; /* N/A bytes, nothing resolved */
	p->type = PROC_GRAPHICS;

	p = snapshot_add_proc(s);
	p->gpu = 2;
	p->pid = 1;
	p->flags = PF_USED_VALID | PF_NAME_VALID;
	p->type = PROC_COMPUTE | PROC_MPS;
	p->used = 0;
	vt_strlcpy(p->name, "mps-client", sizeof(p->name));
}

static void assert_snapshots_equal(const struct snapshot *a, const struct snapshot *b)
{
	assert_true(a->time == b->time);
	assert_int_equal(a->driver_valid, b->driver_valid);
	assert_string_equal(a->driver_version, b->driver_version);
	assert_int_equal(a->ngpus, b->ngpus);
	for (size_t i = 0; i < a->ngpus; i++)
		assert_memory_equal(&a->gpus[i], &b->gpus[i], sizeof(a->gpus[i]));
	assert_int_equal(a->nprocs, b->nprocs);
	/* field by field: bytes after a string's NUL are unspecified */
	for (size_t i = 0; i < a->nprocs; i++) {
		const struct snap_proc *p = &a->procs[i], *q = &b->procs[i];
		assert_int_equal(p->gpu, q->gpu);
		assert_int_equal(p->pid, q->pid);
		assert_int_equal(p->starttime, q->starttime);
		assert_int_equal(p->uid, q->uid);
		assert_int_equal(p->flags, q->flags);
		assert_int_equal(p->type, q->type);
		assert_int_equal(p->used, q->used);
		assert_string_equal(p->user, q->user);
		assert_string_equal(p->name, q->name);
		assert_string_equal(p->framework, q->framework);
		assert_string_equal(p->container, q->container);
	}
}

static void test_round_trip(void **state)
{
	(void)state;
	char path[128], err[VT_ERRMSG_MAX];
	snprintf(path, sizeof(path), "/tmp/vt_test_trace_writer_%d.jsonl", (int)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	struct jsonw w;
	jsonw_init(&w);
	struct snapshot want[3], got;
	for (int i = 0; i < 3; i++) {
		snapshot_init(&want[i]);
		fill(&want[i], 1795981653.398 + i);
	}
	want[2].driver_valid = false;
	want[2].driver_version[0] = '\0';
	want[2].nprocs = 1;
	want[2].procs[0].used = UINT64_MAX;
	struct trace_event ev = {
	    .t = 1795981779.058, .pid = 511, .gpu = 2, .has_at = true, .at = 1795981779.057};
	vt_strlcpy(ev.event, "oom", sizeof(ev.event));
	struct trace_event ev2 = {
	    .t = 1795981783.629, .pid = 511, .gpu = -1, .has_rc = true, .rc = -9};
	vt_strlcpy(ev2.event, "exit", sizeof(ev2.event));

	assert_int_equal(trace_write_sample(f, &w, &want[0]), VT_OK);
	assert_int_equal(trace_write_event(f, &w, &ev), VT_OK);
	assert_int_equal(trace_write_sample(f, &w, &want[1]), VT_OK);
	assert_int_equal(trace_write_sample(f, &w, &want[2]), VT_OK);
	assert_int_equal(trace_write_event(f, &w, &ev2), VT_OK);
	fclose(f);

	struct trace_reader *r = trace_open(path, err, sizeof(err));
	assert_non_null(r);
	snapshot_init(&got);
	struct trace_event gev;
	enum trace_rec_kind k;
	assert_int_equal(trace_next(r, &k, &got, &gev, err, sizeof(err)), VT_OK);
	assert_int_equal(k, TREC_SAMPLE);
	assert_snapshots_equal(&want[0], &got);
	assert_int_equal(trace_next(r, &k, &got, &gev, err, sizeof(err)), VT_OK);
	assert_int_equal(k, TREC_EVENT);
	assert_memory_equal(&gev, &ev, sizeof(ev));
	assert_int_equal(trace_next(r, &k, &got, &gev, err, sizeof(err)), VT_OK);
	assert_snapshots_equal(&want[1], &got);
	assert_int_equal(trace_next(r, &k, &got, &gev, err, sizeof(err)), VT_OK);
	assert_snapshots_equal(&want[2], &got);
	assert_int_equal(trace_next(r, &k, &got, &gev, err, sizeof(err)), VT_OK);
	assert_int_equal(k, TREC_EVENT);
	assert_memory_equal(&gev, &ev2, sizeof(ev2));
	assert_int_equal(trace_next(r, &k, &got, &gev, err, sizeof(err)), VT_EOF);
	assert_int_equal(trace_line(r), 5);
	trace_close(r);
	unlink(path);
	for (int i = 0; i < 3; i++)
		snapshot_free(&want[i]);
	snapshot_free(&got);
	jsonw_free(&w);
}

/* The text itself: v1 fields where a v1 reader looks, nothing invalid. */
static void test_text_shape(void **state)
{
	(void)state;
	struct snapshot s;
	struct jsonw w;
	snapshot_init(&s);
	jsonw_init(&w);
	fill(&s, 12.5);
	trace_format_sample(&w, &s);
	assert_true(jsonw_ok(&w));
	cJSON *j = cJSON_ParseWithLength(w.buf, w.len);
	assert_non_null(j);
	assert_true(cJSON_GetObjectItem(j, "t")->valuedouble == 12.5);
	cJSON *gpus = cJSON_GetObjectItem(j, "gpus");
	assert_int_equal(cJSON_GetArraySize(gpus), 3);
	cJSON *lost = cJSON_GetArrayItem(gpus, 1);
	assert_int_equal(cJSON_GetObjectItem(lost, "i")->valueint, 5);
	assert_string_equal(cJSON_GetObjectItem(lost, "state")->valuestring, "lost");
	assert_string_equal(cJSON_GetObjectItem(lost, "error")->valuestring, "GPU is lost");
	assert_null(cJSON_GetObjectItem(lost, "used")); /* invalid: absent, never 0 */
	assert_null(cJSON_GetObjectItem(lost, "total"));
	assert_null(cJSON_GetObjectItem(lost, "temp_c"));
	cJSON *g2 = cJSON_GetArrayItem(gpus, 2);
	assert_string_equal(cJSON_GetObjectItem(g2, "state")->valuestring, "ok");
	assert_int_equal(cJSON_GetObjectItem(g2, "used")->valueint, 0); /* valid zero stays */
	assert_null(cJSON_GetObjectItem(g2, "util_gpu"));
	assert_null(cJSON_GetObjectItem(g2, "mig"));
	cJSON *procs = cJSON_GetObjectItem(j, "procs");
	assert_int_equal(cJSON_GetArraySize(procs), 3);
	cJSON *p0 = cJSON_GetArrayItem(procs, 0);
	assert_int_equal(cJSON_GetObjectItem(p0, "gpu")->valueint, 2); /* NVML index */
	assert_int_equal(cJSON_GetObjectItem(p0, "pid")->valueint, 4242);
	assert_true(cJSON_GetObjectItem(p0, "used")->valuedouble == 118753329152.0);
	assert_string_equal(cJSON_GetObjectItem(p0, "type")->valuestring, "compute+graphics");
	assert_string_equal(cJSON_GetObjectItem(p0, "name")->valuestring,
	                    "python3 train.py --tag=\"x\" caf\xc3\xa9");
	assert_string_equal(cJSON_GetObjectItem(p0, "framework")->valuestring, "vllm");
	assert_string_equal(
	    cJSON_GetObjectItem(p0, "container")->valuestring,
	    "docker:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	cJSON *p1 = cJSON_GetArrayItem(procs, 1);
	assert_null(cJSON_GetObjectItem(p1, "framework")); /* unknown: absent */
	assert_null(cJSON_GetObjectItem(p1, "container"));
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(p1, "used")));
	assert_null(cJSON_GetObjectItem(p1, "name"));
	assert_null(cJSON_GetObjectItem(p1, "starttime"));
	cJSON *p2 = cJSON_GetArrayItem(procs, 2);
	assert_int_equal(cJSON_GetObjectItem(p2, "gpu")->valueint, 0);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(p2, "mps")));
	cJSON_Delete(j);

	/* an event with nothing optional */
	struct trace_event ev = {.t = 3, .gpu = -1};
	vt_strlcpy(ev.event, "end", sizeof(ev.event));
	jsonw_reset(&w);
	trace_format_event(&w, &ev);
	assert_string_equal(w.buf, "{\"t\":3.000,\"event\":\"end\"}");

	/* embedded in a larger document */
	jsonw_reset(&w);
	jsonw_obj_begin(&w);
	jsonw_key(&w, "sample");
	snapshot_reset(&s);
	s.time = 1;
	trace_format_sample(&w, &s);
	jsonw_key(&w, "n");
	jsonw_u64(&w, 1);
	jsonw_obj_end(&w);
	assert_string_equal(w.buf, "{\"sample\":{\"t\":1.000,\"gpus\":[],\"procs\":[]},\"n\":1}");
	snapshot_free(&s);
	jsonw_free(&w);
}

static void test_one_line_per_write(void **state)
{
	(void)state;
	/* a big sample with a tiny stdio buffer: still whole lines, one per call */
	char path[128], err[VT_ERRMSG_MAX];
	snprintf(path, sizeof(path), "/tmp/vt_test_trace_writer_big_%d.jsonl", (int)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	static char tiny[64];
	setvbuf(f, tiny, _IOFBF, sizeof(tiny));
	struct snapshot s, got;
	struct jsonw w;
	snapshot_init(&s);
	snapshot_init(&got);
	jsonw_init(&w);
	for (int g = 0; g < 8; g++) {
		struct snap_gpu *gp = snapshot_add_gpu(&s);
		gp->index = (unsigned)g;
		gp->valid = GM_MEM_USED;
		gp->mem_used = (uint64_t)g << 30;
	}
	for (int i = 0; i < 8 * 64; i++) {
		struct snap_proc *p = snapshot_add_proc(&s);
		p->gpu = (unsigned)(i / 64);
		p->pid = 10000 + i;
		p->flags = PF_USED_VALID | PF_NAME_VALID;
		p->used = (uint64_t)i << 20;
		p->type = PROC_COMPUTE;
		memset(p->name, 'n', 200);
		p->name[200] = '\0';
	}
	for (int k = 0; k < 3; k++) {
		s.time = k;
		assert_int_equal(trace_write_sample(f, &w, &s), VT_OK);
		long pos = ftell(f);
		assert_true(pos > 0);
		/* the file on disk ends at a newline right after each call */
		FILE *rf = fopen(path, "r");
		assert_non_null(rf);
		fseek(rf, -1, SEEK_END);
		assert_int_equal(fgetc(rf), '\n');
		assert_int_equal(ftell(rf), pos);
		fclose(rf);
	}
	fclose(f);
	struct trace_reader *r = trace_open(path, err, sizeof(err));
	assert_non_null(r);
	struct trace_event ev;
	enum trace_rec_kind kind;
	for (int k = 0; k < 3; k++) {
		assert_int_equal(trace_next(r, &kind, &got, &ev, err, sizeof(err)), VT_OK);
		s.time = k;
		assert_snapshots_equal(&s, &got);
	}
	assert_int_equal(trace_next(r, &kind, &got, &ev, err, sizeof(err)), VT_EOF);
	trace_close(r);
	unlink(path);
	snapshot_free(&s);
	snapshot_free(&got);
	jsonw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_text_shape),
	    cmocka_unit_test(test_one_line_per_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
