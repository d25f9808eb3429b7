/* fuzz_toml.c: libFuzzer target for the TOML parser and the config schema:
 * any input either parses into a well-formed document or fails with a line
 * inside the input; loading it as a config never crashes, a config that
 * loads prints as TOML that loads back to the same values, and no message
 * holds a control character (text from the file is sanitised). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/toml.h"
#include "core/error.h"

static void check_doc(const struct toml_doc *doc, const uint8_t *data, size_t size)
{
	int lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	for (size_t i = 0; i < doc->nvalues; i++) {
		const struct toml_value *v = &doc->values[i];
		if (v->line < 1 || v->line > lines)
			abort();
		if (v->table != TOML_NONE && v->table >= doc->ntables)
			abort();
		if (v->next != TOML_NONE && v->next >= doc->nvalues)
			abort();
		if (v->kind == TOML_STRING && strlen(toml_str(doc, v)) != v->u.s.len)
			abort();
		if (v->kind == TOML_ARRAY) {
			uint32_t n = 0;
			for (uint32_t e = v->u.arr.first; e != TOML_NONE; e = doc->values[e].next)
				if (++n > doc->nvalues)
					abort();
			if (n != v->u.arr.n)
				abort();
		}
		if (v->table != TOML_NONE && toml_find(doc, v->table, toml_key(doc, v)) != i)
			abort(); /* keys are unique per table */
	}
}

static void check_clean(const struct config_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		for (const unsigned char *p = (const unsigned char *)d->items[i].text; *p; p++)
			if (*p < 0x20 || *p == 0x7f || (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
				abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct toml_doc doc;
	int lines = 1;
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	if (toml_parse(&doc, (const char *)data, size) == 0)
		check_doc(&doc, data, size);
	else if (doc.err_line < 1 || doc.err_line > lines || !doc.err[0])
		abort();
	toml_free(&doc);

	struct config c, back;
	struct config_diags d = {0};
	config_defaults(&c);
	if (config_load_buffer(&c, "fuzz", (const char *)data, size, &d) == VT_OK) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		config_print(&c, f);
		fclose(f);
		config_defaults(&back);
		if (config_load_buffer(&back, "printed", text, len, &d) != VT_OK ||
		    memcmp(&c, &back, sizeof c) != 0)
			abort();
		free(text);
	} else if (d.n == 0) {
		abort(); /* a refusal always says why */
	}
	check_clean(&d);
	config_diags_free(&d);
	return 0;
}
