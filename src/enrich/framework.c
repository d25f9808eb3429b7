/* framework.c: which framework a process runs, from its command line or its
 * mapped libraries (pure parsers). */
#include "enrich/enrich.h"

#include <string.h>

static const char *const fw_names[FW_COUNT] = {
    [FW_NONE] = "",           [FW_OLLAMA] = "ollama", [FW_VLLM] = "vllm",
    [FW_SGLANG] = "sglang",   [FW_TGI] = "tgi",       [FW_LLAMACPP] = "llama.cpp",
    [FW_PYTORCH] = "pytorch", [FW_JAX] = "jax",       [FW_TENSORFLOW] = "tensorflow",
};

const char *enrich_fw_name(enum enrich_fw fw)
{
	return (unsigned)fw < FW_COUNT ? fw_names[fw] : "";
}

enum enrich_fw enrich_fw_from_name(const char *name)
{
	for (int i = 1; i < FW_COUNT; i++)
		if (strcmp(name, fw_names[i]) == 0)
			return (enum enrich_fw)i;
	return FW_NONE;
}

static bool starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);
	return n >= k && memcmp(s, prefix, k) == 0;
}

static bool equals(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(s, word, n) == 0;
}

/* A program's basename: ollama, llama-server, text-generation-*. */
static enum enrich_fw fw_of_program(const char *b, size_t n)
{
	if (equals(b, n, "ollama") || equals(b, n, "ollama_llama_server"))
		return FW_OLLAMA;
	if (equals(b, n, "vllm"))
		return FW_VLLM;
	if (equals(b, n, "llama-server"))
		return FW_LLAMACPP;
	if (equals(b, n, "text-generation-launcher") || equals(b, n, "text-generation-router") ||
	    equals(b, n, "text-generation-server"))
		return FW_TGI;
	return FW_NONE;
}

/* A Python module or script: vllm.entrypoints..., sglang.launch_server, ... */
static enum enrich_fw fw_of_module(const char *s, size_t n)
{
	if (equals(s, n, "vllm") || starts(s, n, "vllm.") || starts(s, n, "vllm/"))
		return FW_VLLM;
	if (equals(s, n, "sglang") || starts(s, n, "sglang.") || starts(s, n, "sglang/"))
		return FW_SGLANG;
	if (starts(s, n, "text_generation_server"))
		return FW_TGI;
	return fw_of_program(s, n);
}

static const char *base(const char *s, size_t n, size_t *bn)
{
	const char *slash = memrchr(s, '/', n);
	const char *b = slash ? slash + 1 : s;
	*bn = n - (size_t)(b - s);
	return b;
}

enum enrich_fw enrich_fw_from_cmdline(const char *cmd, size_t len, bool *child_title)
{
	const char *arg[8];
	size_t alen[8], nargs = 0;
	size_t bn;
	const char *b;

	*child_title = false;
	while (len && cmd[len - 1] == '\0')
		len--;
	if (!len)
		return FW_NONE;
	/* worker titles set with setproctitle: "VLLM::EngineCore", "sglang::scheduler" */
	if (starts(cmd, len, "VLLM::") || starts(cmd, len, "vllm::")) {
		*child_title = true;
		return FW_VLLM;
	}
	if (starts(cmd, len, "sglang::")) {
		*child_title = true;
		return FW_SGLANG;
	}
	bool nul = memchr(cmd, '\0', len) != NULL;
	char sep = nul ? '\0' : ' '; /* a rewritten argv is one string */
	for (const char *p = cmd, *end = cmd + len; p < end && nargs < 8;) {
		const char *e = memchr(p, sep, (size_t)(end - p));
		if (!e)
			e = end;
		if (e > p) {
			arg[nargs] = p;
			alen[nargs++] = (size_t)(e - p);
		}
		p = e + 1;
	}
	if (!nargs)
		return FW_NONE;
	b = base(arg[0], alen[0], &bn);
	enum enrich_fw fw = fw_of_program(b, bn);
	if (fw != FW_NONE || !starts(b, bn, "python"))
		return fw;
	/* an interpreter: the module after -m, or the first argument that is
	 * not an option (the script) */
	for (size_t i = 1; i < nargs; i++) {
		if (equals(arg[i], alen[i], "-m") && i + 1 < nargs)
			return fw_of_module(arg[i + 1], alen[i + 1]);
		if (starts(arg[i], alen[i], "-m") && alen[i] > 2)
			return fw_of_module(arg[i] + 2, alen[i] - 2);
		if (arg[i][0] == '-')
			continue;
		b = base(arg[i], alen[i], &bn);
		/* a script: ".../bin/vllm", "launch_server.py" inside sglang/ */
		fw = fw_of_program(b, bn);
		if (fw == FW_NONE)
			fw = fw_of_module(arg[i], alen[i]);
		return fw;
	}
	return FW_NONE;
}

/* A library in maps is named by its path: ".../libtorch_cuda.so". */
enum enrich_fw enrich_fw_from_maps(const char *buf, size_t len)
{
	static const struct {
		const char *needle;
		enum enrich_fw fw;
	} libs[] = {
	    {"/libtorch", FW_PYTORCH},         {"/libjax", FW_JAX},
	    {"/xla_extension.so", FW_JAX},     {"/jaxlib/", FW_JAX},
	    {"/libtensorflow", FW_TENSORFLOW}, {"/_pywrap_tensorflow", FW_TENSORFLOW},
	};
	enum enrich_fw best = FW_NONE;
	for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
		if (memmem(buf, len, libs[i].needle, strlen(libs[i].needle))) {
			/* JAX and TensorFlow processes often map libtorch too (and
			 * the reverse is rare): the more specific one wins */
			if (best == FW_NONE || best == FW_PYTORCH)
				best = libs[i].fw;
		}
	}
	return best;
}

bool enrich_is_model_file(const char *path, size_t len)
{
	static const char *const ext[] = {".safetensors", ".gguf", ".pt", ".pth",
	                                  ".bin",         ".onnx", ".h5", ".tflite"};
	for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		size_t k = strlen(ext[i]);
		if (len > k && strncasecmp(path + len - k, ext[i], k) == 0 &&
		    path[len - k - 1] != '/')
			return true;
	}
	return false;
}
