/* scenario.c: reads a scenario JSON file into the simulator's model (see README.md). */
#include "fake_nvml.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/xalloc.h"

#define MAX_SCENARIO_BYTES (16u << 20)
#define MAX_GPUS           64u

struct ctx {
	char *err;
	size_t errlen;
	unsigned int skipped; /* processes whose $PID variable was unset */
};

__attribute__((format(printf, 2, 3))) static int fail(struct ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->err, c->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Default of one metric, and the factor from the JSON unit to NVML's. */
struct metric_key {
	const char *key;
	int metric;
	double scale;
	enum fake_series_kind kind;
	double def;
};

static const struct metric_key metric_keys[] = {
    {"utilization_gpu", M_UTIL_GPU, 1, SERIES_CONST, 0},
    {"utilization_memory", M_UTIL_MEM, 1, SERIES_CONST, 0},
    {"encoder_util", M_ENCODER, 1, SERIES_CONST, 0},
    {"decoder_util", M_DECODER, 1, SERIES_CONST, 0},
    {"temperature_c", M_TEMP, 1, SERIES_CONST, 34},
    {"power_w", M_POWER, 1000, SERIES_CONST, 120000},
    {"power_limit_w", M_POWER_LIMIT, 1000, SERIES_CONST, 700000},
    {"power_management_limit_w", M_POWER_MGMT_LIMIT, 1000, SERIES_CONST, 700000},
    {"clock_graphics_mhz", M_CLOCK + NVML_CLOCK_GRAPHICS, 1, SERIES_CONST, 1980},
    {"clock_sm_mhz", M_CLOCK + NVML_CLOCK_SM, 1, SERIES_CONST, 1980},
    {"clock_mem_mhz", M_CLOCK + NVML_CLOCK_MEM, 1, SERIES_CONST, 3201},
    {"clock_video_mhz", M_CLOCK + NVML_CLOCK_VIDEO, 1, SERIES_CONST, 1545},
    {"max_clock_graphics_mhz", M_MAX_CLOCK + NVML_CLOCK_GRAPHICS, 1, SERIES_CONST, 1980},
    {"max_clock_sm_mhz", M_MAX_CLOCK + NVML_CLOCK_SM, 1, SERIES_CONST, 1980},
    {"max_clock_mem_mhz", M_MAX_CLOCK + NVML_CLOCK_MEM, 1, SERIES_CONST, 3201},
    {"max_clock_video_mhz", M_MAX_CLOCK + NVML_CLOCK_VIDEO, 1, SERIES_CONST, 1545},
    {"fan_pct", M_FAN, 1, SERIES_UNSUPPORTED, 0},
    {"pcie_tx_kbps", M_PCIE_TX, 1, SERIES_CONST, 0},
    {"pcie_rx_kbps", M_PCIE_RX, 1, SERIES_CONST, 0},
    {"pcie_gen", M_PCIE_GEN, 1, SERIES_CONST, 5},
    {"pcie_width", M_PCIE_WIDTH, 1, SERIES_CONST, 16},
    {"pcie_max_gen", M_PCIE_MAX_GEN, 1, SERIES_CONST, 5},
    {"pcie_max_width", M_PCIE_MAX_WIDTH, 1, SERIES_CONST, 16},
    {"mig_mode", M_MIG_MODE, 1, SERIES_CONST, 0},
    {"mig_pending", M_MIG_PENDING, 1, SERIES_ABSENT, 0},
    {"pstate", M_PSTATE, 1, SERIES_CONST, 0},
    {"compute_mode", M_COMPUTE_MODE, 1, SERIES_CONST, 0},
    {"bar1_total", M_BAR1_TOTAL, 1, SERIES_CONST, 274877906944.0},
    {"bar1_used", M_BAR1_USED, 1, SERIES_CONST, 2097152},
    {"ecc_corrected", M_ECC_CORRECTED, 1, SERIES_CONST, 0},
    {"ecc_uncorrected", M_ECC_UNCORRECTED, 1, SERIES_CONST, 0},
};

#define N_METRIC_KEYS (sizeof(metric_keys) / sizeof(metric_keys[0]))

static int key_in(const char *key, const char *const *keys)
{
	for (; *keys; keys++)
		if (strcmp(key, *keys) == 0)
			return 1;
	return 0;
}

static const struct metric_key *metric_key_find(const char *key)
{
	for (size_t i = 0; i < N_METRIC_KEYS; i++)
		if (strcmp(metric_keys[i].key, key) == 0)
			return &metric_keys[i];
	return NULL;
}

static int get_string(struct ctx *c, const cJSON *obj, const char *key, char *dst, size_t cap,
                      const char *what)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!j)
		return 0;
	if (!cJSON_IsString(j))
		return fail(c, "%s.%s: expected a string", what, key);
	vt_strlcpy(dst, j->valuestring, cap);
	return 0;
}

static int get_number(struct ctx *c, const cJSON *obj, const char *key, double *out,
                      const char *what)
{
	const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!j)
		return 0;
	if (!cJSON_IsNumber(j))
		return fail(c, "%s.%s: expected a number", what, key);
	*out = j->valuedouble;
	return 0;
}

static int parse_pid(struct ctx *c, const cJSON *j, const char *what, unsigned int *pid)
{
	if (cJSON_IsNumber(j) && j->valuedouble >= 1 && j->valuedouble <= 4194304) {
		*pid = (unsigned int)j->valuedouble;
		return 1;
	}
	if (!cJSON_IsString(j) || j->valuestring[0] != '$')
		return fail(c, "%s.pid: expected a number or \"$VARIABLE\"", what);
	const char *v = getenv(j->valuestring + 1);
	unsigned long n = 0;
	const char *p = v;
	for (; p && *p >= '0' && *p <= '9' && n <= 4194304; p++)
		n = n * 10 + (unsigned long)(*p - '0');
	if (!v || p == v || *p || n == 0 || n > 4194304) {
		c->skipped++;
		if (getenv("VRAMTOP_FAKE_NVML_VERBOSE"))
			fprintf(stderr, "fake_nvml: %s: %s unset or not a pid, process skipped\n",
			        what, j->valuestring);
		return 0;
	}
	*pid = (unsigned int)n;
	return 1;
}

static int parse_lists(struct ctx *c, const cJSON *j, const char *what, unsigned int *lists)
{
	*lists = 0;
	const cJSON *it;
	if (!cJSON_IsArray(j))
		return fail(c, "%s.lists: expected an array", what);
	cJSON_ArrayForEach(it, j)
	{
		const char *s = cJSON_IsString(it) ? it->valuestring : "";
		if (strcmp(s, "compute") == 0)
			*lists |= FAKE_LIST_COMPUTE;
		else if (strcmp(s, "graphics") == 0)
			*lists |= FAKE_LIST_GRAPHICS;
		else if (strcmp(s, "mps") == 0)
			*lists |= FAKE_LIST_MPS;
		else
			return fail(c, "%s.lists: \"%s\" is not compute, graphics or mps", what, s);
	}
	return 0;
}

static int parse_proc(struct ctx *c, const cJSON *j, const char *what, struct fake_proc *p)
{
	static const char *const keys[] = {
	    "pid",       "name",   "used",    "lists",           "appear",
	    "disappear", "period", "comment", "gpu_instance_id", "compute_instance_id",
	    NULL};
	const cJSON *it;
	if (!cJSON_IsObject(j))
		return fail(c, "%s: expected an object", what);
	cJSON_ArrayForEach(it, j)
	{
		if (!key_in(it->string, keys))
			return fail(c, "%s: unknown key \"%s\"", what, it->string);
	}
	memset(p, 0, sizeof(*p));
	p->lists = FAKE_LIST_COMPUTE;
	p->disappear = HUGE_VAL;
	double gi = 0xFFFFFFFFu, ci = 0xFFFFFFFFu;
	int have = parse_pid(c, cJSON_GetObjectItemCaseSensitive(j, "pid"), what, &p->pid);
	if (have < 0)
		return -1;
	if (get_string(c, j, "name", p->name, sizeof(p->name), what) ||
	    get_number(c, j, "appear", &p->appear, what) ||
	    get_number(c, j, "disappear", &p->disappear, what) ||
	    get_number(c, j, "period", &p->period, what) ||
	    get_number(c, j, "gpu_instance_id", &gi, what) ||
	    get_number(c, j, "compute_instance_id", &ci, what))
		return -1;
	p->gpu_instance = (unsigned int)gi;
	p->compute_instance = (unsigned int)ci;
	if ((it = cJSON_GetObjectItemCaseSensitive(j, "lists")) &&
	    parse_lists(c, it, what, &p->lists))
		return -1;
	p->used.kind = SERIES_CONST;
	if ((it = cJSON_GetObjectItemCaseSensitive(j, "used")) &&
	    fake_series_parse(it, 1, what, &p->used, c->err, c->errlen))
		return -1;
	return have;
}

static void gpu_defaults(struct fake_gpu *g, unsigned int i)
{
	g->index = i;
	vt_strlcpy(g->name, "NVIDIA H200", sizeof(g->name));
	snprintf(g->uuid, sizeof(g->uuid), "GPU-5ca1ab1e-0000-4000-8000-0000000000%02x", i);
	g->pci_bus = 0x18 + 0x10 * i;
	g->pci_device_id = 0x233510DEu;
	g->pci_subsystem_id = 0x18BF10DEu;
	g->total = 150754820096ull; /* 143771 MiB */
	g->reserved.kind = SERIES_CONST;
	g->reserved.value = 644939776.0; /* 615 MiB, as 580.159.04 reserves */
	g->lost_at = HUGE_VAL;
	g->back_at = HUGE_VAL;
	for (size_t k = 0; k < N_METRIC_KEYS; k++) {
		g->metric[metric_keys[k].metric].kind = metric_keys[k].kind;
		g->metric[metric_keys[k].metric].value = metric_keys[k].def;
	}
}

static void gpu_format_bus_id(struct fake_gpu *g)
{
	snprintf(g->bus_id, sizeof(g->bus_id), "%08X:%02X:%02X.0", g->pci_domain & 0xFFFFFFFFu,
	         g->pci_bus & 0xFFu, g->pci_device & 0x1Fu);
}

static int parse_gpu(struct ctx *c, const cJSON *j, unsigned int i, struct fake_gpu *g)
{
	static const char *const keys[] = {
	    "name",  "uuid", "pci_bus_id", "pci_device_id", "pci_subsystem_id",
	    "total", "used", "reserved",   "processes",     "comment",
	    NULL};
	char what[48];
	snprintf(what, sizeof(what), "gpus[%u]", i);
	gpu_defaults(g, i);
	if (!cJSON_IsObject(j))
		return fail(c, "%s: expected an object", what);
	const cJSON *it;
	cJSON_ArrayForEach(it, j)
	{
		const struct metric_key *mk = metric_key_find(it->string);
		if (mk) {
			if (fake_series_parse(it, mk->scale, it->string, &g->metric[mk->metric],
			                      c->err, c->errlen))
				return -1;
		} else if (!key_in(it->string, keys)) {
			return fail(c, "%s: unknown key \"%s\"", what, it->string);
		}
	}
	char bus[64] = "";
	double devid = g->pci_device_id, subid = g->pci_subsystem_id, total = (double)g->total;
	if (get_string(c, j, "name", g->name, sizeof(g->name), what) ||
	    get_string(c, j, "uuid", g->uuid, sizeof(g->uuid), what) ||
	    get_string(c, j, "pci_bus_id", bus, sizeof(bus), what) ||
	    get_number(c, j, "pci_device_id", &devid, what) ||
	    get_number(c, j, "pci_subsystem_id", &subid, what))
		return -1;
	g->pci_device_id = (unsigned int)devid;
	g->pci_subsystem_id = (unsigned int)subid;
	if (bus[0] && fake_parse_bus_id(bus, &g->pci_domain, &g->pci_bus, &g->pci_device))
		return fail(c, "%s.pci_bus_id: \"%s\" is not DOMAIN:BUS:DEVICE.0", what, bus);
	gpu_format_bus_id(g);
	if ((it = cJSON_GetObjectItemCaseSensitive(j, "total")) &&
	    fake_value_parse(it, "total", &total, c->err, c->errlen))
		return -1;
	if (total < 1)
		return fail(c, "%s.total: must be positive", what);
	g->total = (unsigned long long)total;
	if ((it = cJSON_GetObjectItemCaseSensitive(j, "used")) &&
	    fake_series_parse(it, 1, "used", &g->used, c->err, c->errlen))
		return -1;
	if ((it = cJSON_GetObjectItemCaseSensitive(j, "reserved")) &&
	    fake_series_parse(it, 1, "reserved", &g->reserved, c->err, c->errlen))
		return -1;
	const cJSON *procs = cJSON_GetObjectItemCaseSensitive(j, "processes");
	if (!procs)
		return 0;
	if (!cJSON_IsArray(procs))
		return fail(c, "%s.processes: expected an array", what);
	g->procs = xcalloc((size_t)cJSON_GetArraySize(procs) + 1, sizeof(*g->procs));
	unsigned int k = 0;
	cJSON_ArrayForEach(it, procs)
	{
		char pwhat[80];
		snprintf(pwhat, sizeof(pwhat), "%s.processes[%u]", what, k++);
		int r = parse_proc(c, it, pwhat, &g->procs[g->nprocs]);
		if (r < 0)
			return -1;
		if (r > 0)
			g->nprocs++;
		else
			fake_series_free_points(&g->procs[g->nprocs].used);
	}
	return 0;
}

/* Marks in match[] the functions whose name starts with prefix; returns how many. */
static int match_prefix(const char *prefix, unsigned char *match)
{
	size_t n = strlen(prefix);
	int hits = 0;
	for (int f = 0; f < FN_COUNT; f++)
		if (strncmp(fake_fn_names[f], prefix, n) == 0) {
			match[f] = 1;
			hits++;
		}
	return hits;
}

/* Marks in match[] every function whose name starts with one of the prefixes
 * in j (a string or an array of strings); without j, those containing dflt. */
static int parse_match(struct ctx *c, const cJSON *j, const char *dflt, const char *what,
                       unsigned char *match)
{
	memset(match, 0, FN_COUNT);
	if (!j || (cJSON_IsString(j) && strcmp(j->valuestring, "*") == 0)) {
		for (int f = 0; f < FN_COUNT; f++)
			match[f] = strstr(fake_fn_names[f], dflt) != NULL;
		return 0;
	}
	const cJSON *one = j;
	if (cJSON_IsArray(j))
		one = j->child;
	for (; one; one = cJSON_IsArray(j) ? one->next : NULL) {
		if (!cJSON_IsString(one))
			return fail(c, "%s.call: expected a function name or a list of them", what);
		int hits = match_prefix(one->valuestring, match);
		if (!hits)
			return fail(c, "%s.call: no function starts with \"%s\"", what,
			            one->valuestring);
	}
	return 0;
}

static const struct {
	const char *name;
	int code;
} init_errors[] = {
    {"driver_not_loaded", NVML_ERROR_DRIVER_NOT_LOADED},
    {"lib_rm_version_mismatch", NVML_ERROR_LIB_RM_VERSION_MISMATCH},
    {"no_permission", NVML_ERROR_NO_PERMISSION},
    {"library_not_found", NVML_ERROR_LIBRARY_NOT_FOUND},
    {"unknown", NVML_ERROR_UNKNOWN},
};

static int parse_fault(struct ctx *c, struct fake_scenario *sc, const cJSON *j, unsigned int k)
{
	static const char *const keys[] = {"type",    "gpu",     "at",   "count", "call",
	                                   "times",   "extra",   "mode", "error", "handle_ok",
	                                   "back_at", "comment", NULL};
	char what[32];
	snprintf(what, sizeof(what), "faults[%u]", k);
	const cJSON *it, *type = cJSON_GetObjectItemCaseSensitive(j, "type");
	if (!cJSON_IsObject(j) || !cJSON_IsString(type))
		return fail(c, "%s: expected an object with a \"type\"", what);
	cJSON_ArrayForEach(it, j)
	{
		if (!key_in(it->string, keys))
			return fail(c, "%s: unknown key \"%s\"", what, it->string);
	}
	double gpu = 0, at = 0, count = 1, extra = 1;
	if (get_number(c, j, "gpu", &gpu, what) || get_number(c, j, "at", &at, what) ||
	    get_number(c, j, "extra", &extra, what))
		return -1;
	if (get_number(c, j, cJSON_GetObjectItemCaseSensitive(j, "times") ? "times" : "count",
	               &count, what))
		return -1;
	const char *t = type->valuestring;
	if (strcmp(t, "init") == 0) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
		if (cJSON_IsNumber(e)) {
			sc->init_error = e->valueint;
			return 0;
		}
		for (size_t i = 0;
		     cJSON_IsString(e) && i < sizeof(init_errors) / sizeof(*init_errors); i++)
			if (strcmp(e->valuestring, init_errors[i].name) == 0) {
				sc->init_error = init_errors[i].code;
				return 0;
			}
		return fail(c, "%s.error: not a known init error", what);
	}
	if (gpu < 0 || gpu >= sc->ngpus)
		return fail(c, "%s.gpu: no GPU %g in this scenario", what, gpu);
	unsigned int g = (unsigned int)gpu;
	if (strcmp(t, "gpu_lost") == 0) {
		sc->gpus[g].lost_at = at;
		sc->gpus[g].lost_handle_ok =
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "handle_ok"));
		const cJSON *back = cJSON_GetObjectItemCaseSensitive(j, "back_at");
		if (back && (!cJSON_IsNumber(back) || !(back->valuedouble > at)))
			return fail(c, "%s.back_at: a time after \"at\"", what);
		if (back)
			sc->gpus[g].back_at = back->valuedouble;
		return 0;
	}
	const cJSON *call = cJSON_GetObjectItemCaseSensitive(j, "call");
	if (strcmp(t, "unknown") == 0) {
		struct fake_burst *b = &sc->bursts[sc->nbursts];
		b->gpu = g;
		b->at = at;
		b->remaining = (unsigned int)count;
		if (parse_match(c, call, "nvmlDevice", what, b->match))
			return -1;
		sc->nbursts++;
		return 0;
	}
	if (strcmp(t, "insufficient_size") == 0) {
		struct fake_isz *z = &sc->isz[sc->nisz];
		const cJSON *mode = cJSON_GetObjectItemCaseSensitive(j, "mode");
		z->gpu = g;
		z->at = at;
		z->times = (unsigned int)count;
		z->extra = extra < 1 ? 1 : (unsigned int)extra;
		if (mode && !(cJSON_IsString(mode) && (strcmp(mode->valuestring, "grow") == 0 ||
		                                       strcmp(mode->valuestring, "inflate") == 0)))
			return fail(c, "%s.mode: \"grow\" or \"inflate\"", what);
		z->inflate = mode && strcmp(mode->valuestring, "inflate") == 0;
		if (parse_match(c, call, "RunningProcesses", what, z->match))
			return -1;
		sc->nisz++;
		return 0;
	}
	return fail(c, "%s.type: \"%s\" is not init, gpu_lost, unknown or insufficient_size", what,
	            t);
}

/* 535.43.02 to 535.86.05 wrote 32-byte records from the _v3 process calls. */
static bool driver_has_stride_bug(const char *v)
{
	unsigned int major = 0, minor = 0;
	const char *p = v;
	for (; *p >= '0' && *p <= '9'; p++)
		major = major * 10 + (unsigned int)(*p - '0');
	if (*p++ != '.')
		return false;
	for (; *p >= '0' && *p <= '9'; p++)
		minor = minor * 10 + (unsigned int)(*p - '0');
	return major == 535 && minor >= 43 && minor <= 86;
}

static int parse_latency(struct ctx *c, struct fake_scenario *sc, const cJSON *j)
{
	const cJSON *it;
	if (!cJSON_IsObject(j))
		return fail(c, "latency_us: expected an object of call prefix -> microseconds");
	cJSON_ArrayForEach(it, j)
	{
		unsigned char m[FN_COUNT] = {0};
		if (!cJSON_IsNumber(it) || it->valuedouble < 0)
			return fail(c, "latency_us.%s: expected microseconds", it->string);
		if (!match_prefix(it->string, m))
			return fail(c, "latency_us: no function starts with \"%s\"", it->string);
		for (int f = 0; f < FN_COUNT; f++)
			if (m[f])
				sc->latency_us[f] = (unsigned int)it->valuedouble;
	}
	return 0;
}

static int parse_top(struct ctx *c, struct fake_scenario *sc, const cJSON *root)
{
	static const char *const keys[] = {
	    "comment",    "expect",    "driver_version", "nvml_version", "cuda_version",
	    "time_scale", "stride535", "latency_us",     "gpus",         "faults",
	    NULL};
	const cJSON *it;
	if (!cJSON_IsObject(root))
		return fail(c, "the scenario must be a JSON object");
	cJSON_ArrayForEach(it, root)
	{
		if (!key_in(it->string, keys))
			return fail(c, "unknown top-level key \"%s\"", it->string);
	}
	double cuda = sc->cuda_version;
	if (get_string(c, root, "driver_version", sc->driver_version, sizeof(sc->driver_version),
	               "scenario") ||
	    get_string(c, root, "nvml_version", sc->nvml_version, sizeof(sc->nvml_version),
	               "scenario") ||
	    get_number(c, root, "cuda_version", &cuda, "scenario") ||
	    get_number(c, root, "time_scale", &sc->time_scale, "scenario"))
		return -1;
	sc->cuda_version = (int)cuda;
	if (!cJSON_GetObjectItemCaseSensitive(root, "nvml_version"))
		snprintf(sc->nvml_version, sizeof(sc->nvml_version), "%d.%.70s",
		         sc->cuda_version / 1000, sc->driver_version);
	const cJSON *stride = cJSON_GetObjectItemCaseSensitive(root, "stride535");
	if (!stride || (cJSON_IsString(stride) && strcmp(stride->valuestring, "auto") == 0))
		sc->stride535 = driver_has_stride_bug(sc->driver_version);
	else if (cJSON_IsBool(stride))
		sc->stride535 = cJSON_IsTrue(stride);
	else
		return fail(c, "stride535: true, false or \"auto\"");
	if ((it = cJSON_GetObjectItemCaseSensitive(root, "latency_us")) && parse_latency(c, sc, it))
		return -1;
	const cJSON *gpus = cJSON_GetObjectItemCaseSensitive(root, "gpus");
	int n = cJSON_GetArraySize(gpus);
	if (gpus && (!cJSON_IsArray(gpus) || n > (int)MAX_GPUS))
		return fail(c, "gpus: expected an array of at most %u GPUs", MAX_GPUS);
	sc->gpus = xcalloc((size_t)n + 1, sizeof(*sc->gpus));
	cJSON_ArrayForEach(it, gpus)
	{
		if (parse_gpu(c, it, sc->ngpus, &sc->gpus[sc->ngpus]))
			return -1;
		sc->ngpus++;
	}
	const cJSON *faults = cJSON_GetObjectItemCaseSensitive(root, "faults");
	if (faults && !cJSON_IsArray(faults))
		return fail(c, "faults: expected an array");
	n = cJSON_GetArraySize(faults);
	sc->bursts = xcalloc((size_t)n + 1, sizeof(*sc->bursts));
	sc->isz = xcalloc((size_t)n + 1, sizeof(*sc->isz));
	unsigned int k = 0;
	cJSON_ArrayForEach(it, faults)
	{
		if (parse_fault(c, sc, it, k++))
			return -1;
	}
	return 0;
}

static void scenario_base(struct fake_scenario *sc)
{
	memset(sc, 0, sizeof(*sc));
	vt_strlcpy(sc->driver_version, "580.159.04", sizeof(sc->driver_version));
	vt_strlcpy(sc->nvml_version, "13.580.159.04", sizeof(sc->nvml_version));
	sc->cuda_version = 13000;
	sc->time_scale = 1.0;
}

void fake_scenario_default(struct fake_scenario *sc)
{
	scenario_base(sc);
	sc->gpus = xcalloc(2, sizeof(*sc->gpus));
	sc->ngpus = 1;
	gpu_defaults(&sc->gpus[0], 0);
	gpu_format_bus_id(&sc->gpus[0]);
}

static char *read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	if (!f || fstat(fileno(f), &st) || st.st_size > (off_t)MAX_SCENARIO_BYTES) {
		snprintf(err, errlen, "%s: cannot open, or larger than %u bytes", path,
		         MAX_SCENARIO_BYTES);
		if (f)
			fclose(f);
		return NULL;
	}
	size_t cap = (size_t)st.st_size + 1;
	char *buf = xmalloc(cap);
	size_t n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

int fake_scenario_load(struct fake_scenario *sc, const char *path, char *err, size_t errlen)
{
	struct ctx c = {.err = err, .errlen = errlen};
	scenario_base(sc);
	char *text = read_file(path, err, errlen);
	if (!text)
		return -1;
	cJSON *root = cJSON_Parse(text);
	free(text);
	if (!root) {
		snprintf(err, errlen, "%s: not valid JSON", path);
		return -1;
	}
	char msg[256] = "";
	c.err = msg;
	c.errlen = sizeof(msg);
	int r = parse_top(&c, sc, root);
	cJSON_Delete(root);
	if (r) {
		snprintf(err, errlen, "%s: %s", path, msg);
		fake_scenario_free(sc);
		return -1;
	}
	return 0;
}

void fake_scenario_free(struct fake_scenario *sc)
{
	for (unsigned int i = 0; sc->gpus && i < sc->ngpus + 1; i++) {
		struct fake_gpu *g = &sc->gpus[i];
		fake_series_free_points(&g->used);
		fake_series_free_points(&g->reserved);
		for (int m = 0; m < M_COUNT; m++)
			fake_series_free_points(&g->metric[m]);
		for (size_t k = 0; g->procs && k <= g->nprocs; k++)
			fake_series_free_points(&g->procs[k].used);
		free(g->procs);
	}
	free(sc->gpus);
	free(sc->bursts);
	free(sc->isz);
	scenario_base(sc);
}
