/*
 * cmd_acl.c: basic ACLs as VRP writes them:
 *
 *   [~DeviceC] acl number 2000            (or `acl 2000`; creates it, enters its view)
 *   [~DeviceC-acl-basic-2000] rule 5 permit source 10.0.1.0 0.0.0.255
 *   [~DeviceC-acl-basic-2000] rule deny source 10.0.1.33 0
 *   [~DeviceC-acl-basic-2000] rule permit source any
 *   undo rule 5 / undo rule deny source 10.0.1.33 0 / undo acl number 2000
 *
 * Only basic ACLs (2000..2999) exist here; advanced ones are refused by
 * the grammar.  A rule without an id gets the next multiple of 5 above the
 * highest id in the candidate (VRP's default step).  Re-entering a rule id
 * replaces that rule.  The address is stored with the wildcard bits
 * cleared (10.0.1.7 0.0.0.255 is kept as 10.0.1.0 0.0.0.255), `source any`
 * and no source both mean any source and print as no source.  `undo rule`
 * by content removes the rule with that action and source (normalized the
 * same way); when none matches, the candidate is left alone and the
 * operator is told.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "cmd_acl.h"
#include "log.h"

#define ACL_STEP 5
#define ACL_RULE_MAX 4294967294u

static const struct cmd_kwhelp acl_kw[] = {
	{ "acl", "Specify ACL configuration information" },
	{ "number", "Specify a numbered ACL" },
	{ "rule", "Specify an ACL rule" },
	{ "permit", "Specify matched packets to pass" },
	{ "deny", "Specify matched packets to be discarded" },
	{ "source", "Specify a source address" },
	{ "any", "Any source address" },
	{ "0", "Wildcard bits : 0.0.0.0 ( a host )" },
	{ "display", "Display information" },
	{ "this", "Configuration of the current view" },
	{ NULL, NULL },
};

static const struct cmd_param acl_params[] = {
	{ "acl-number", GP_INT, 2000, 2999, "Basic access-list (add to current using rules)" },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cmd_param rule_params[] = {
	{ "rule-id", GP_INT, 0, ACL_RULE_MAX, "ID of ACL rule" },
	{ "source-address", GP_IPV4, 0, 0, "Address of source" },
	{ "source-wildcard", GP_IPV4, 0, 0, "Wildcard bits of source" },
	{ NULL, 0, 0, 0, NULL },
};

static Acl *frag_acl(Config *c, const char *number)
{
	Acl *a = xmalloc(sizeof(*a));

	acl__init(a);
	a->number = xstrdup(number);
	c->acl = xrealloc(c->acl, (c->n_acl + 1) * sizeof(*c->acl));
	c->acl[c->n_acl++] = a;
	return a;
}

static int h_acl(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	char num[16];

	snprintf(num, sizeof(num), "%u", cmd_arg_u32(a, "acl-number", 0));
	if (a->undo) {
		cmd_edit_delete(ctx, "acl", num, NULL);
		return 0;
	}
	Config *c = frag_new();
	frag_acl(c, num);
	cmd_edit_set(ctx, c);
	cmd_set_view(ctx, CLI_VIEW_ACL, num);
	return 0;
}

/* The next free id: the multiple of ACL_STEP after the highest in use. */
static int next_rule_id(struct cmd_ctx *ctx, const char *num, uint32_t *out)
{
	Config *c;
	unsigned long long max = 0;
	bool any = false;

	if (cmd_get_config(ctx, true, &c) < 0)
		return -1;
	for (size_t i = 0; c && i < c->n_acl; i++) {
		const Acl *acl = c->acl[i];

		if (!acl->number || strcmp(acl->number, num))
			continue;
		for (size_t k = 0; k < acl->n_rule; k++) {
			unsigned long long id = strtoull(acl->rule[k]->id, NULL, 10);

			if (!any || id > max)
				max = id;
			any = true;
		}
	}
	if (c)
		config__free_unpacked(c, NULL);
	max = any ? (max / ACL_STEP + 1) * ACL_STEP : ACL_STEP;
	if (max > ACL_RULE_MAX)
		return cmd_error(ctx, "The rule ID exceeds the maximum; specify the rule ID.");
	*out = (uint32_t)max;
	return 0;
}

/* The rule the arguments describe (id aside): action and normalized
 * source, into r (strings allocated). */
static void rule_from_args(const struct cmd_args *a, AclRule *r)
{
	if (cmd_has(a, "deny")) {
		r->has_deny = true;
		r->deny = true;
	}
	if (cmd_has(a, "source-address")) {
		struct in_addr s, w = { 0 };
		char buf[INET_ADDRSTRLEN];

		inet_pton(AF_INET, cmd_arg(a, "source-address"), &s);
		if (cmd_has(a, "source-wildcard"))
			inet_pton(AF_INET, cmd_arg(a, "source-wildcard"), &w);
		s.s_addr &= ~w.s_addr;
		inet_ntop(AF_INET, &s, buf, sizeof(buf));
		r->source = xstrdup(buf);
		inet_ntop(AF_INET, &w, buf, sizeof(buf));
		r->wildcard = xstrdup(buf);
	}
}

static bool str_same(const char *x, const char *y)
{
	return strcmp(x ? x : "", y ? y : "") == 0;
}

/* `undo rule { permit | deny } [ source ... ]`: the id of the candidate's
 * rule with that content in ACL num, into idtxt. */
static int find_rule_by_content(struct cmd_ctx *ctx, const char *num, const struct cmd_args *a,
				char *idtxt, size_t len)
{
	AclRule want = ACL_RULE__INIT;
	Config *c;
	int r = -1;

	if (cmd_get_config(ctx, true, &c) < 0)
		return -1;
	rule_from_args(a, &want);
	for (size_t i = 0; c && i < c->n_acl && r < 0; i++) {
		const Acl *acl = c->acl[i];

		if (!acl->number || strcmp(acl->number, num))
			continue;
		for (size_t k = 0; k < acl->n_rule; k++) {
			const AclRule *x = acl->rule[k];

			if ((x->has_deny && x->deny) == want.deny &&
			    str_same(x->source, want.source) && str_same(x->wildcard, want.wildcard)) {
				snprintf(idtxt, len, "%s", x->id);
				r = 0;
				break;
			}
		}
	}
	free(want.source);
	free(want.wildcard);
	if (c)
		config__free_unpacked(c, NULL);
	return r == 0 ? 0 : cmd_error(ctx, "The rule does not exist.");
}

static int h_rule(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *num = cmd_view_acl(ctx);
	uint32_t id;
	char idtxt[16];

	if (!num)
		return cmd_error(ctx, "The command is only valid in an ACL view.");
	if (a->undo && !cmd_has(a, "rule-id")) {
		if (find_rule_by_content(ctx, num, a, idtxt, sizeof(idtxt)) < 0)
			return -1;
		cmd_edit_delete(ctx, "acl", num, "rule", idtxt, NULL);
		return 0;
	}
	if (cmd_has(a, "rule-id"))
		id = cmd_arg_u32(a, "rule-id", 0);
	else if (next_rule_id(ctx, num, &id) < 0)
		return -1;
	snprintf(idtxt, sizeof(idtxt), "%u", id);
	cmd_edit_delete(ctx, "acl", num, "rule", idtxt, NULL);
	if (a->undo)
		return 0;

	Config *c = frag_new();
	Acl *acl = frag_acl(c, num);
	AclRule *r = xmalloc(sizeof(*r));

	acl_rule__init(r);
	r->id = xstrdup(idtxt);
	rule_from_args(a, r);
	acl->rule = xmalloc(sizeof(*acl->rule));
	acl->rule[0] = r;
	acl->n_rule = 1;
	cmd_edit_set(ctx, c);
	return 0;
}

static int h_display_this(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *num = cmd_view_acl(ctx);
	struct sbuf b = { 0 };
	Config *c;

	if (cmd_get_config(ctx, false, &c) < 0)
		return -1;
	sbuf_puts(&b, "#\r\n");
	for (size_t i = 0; c && num && i < c->n_acl; i++)
		if (c->acl[i]->number && !strcmp(c->acl[i]->number, num))
			cmd_acl_render_one(c->acl[i], &b);
	sbuf_puts(&b, "#\r\nreturn\r\n");
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	if (c)
		config__free_unpacked(c, NULL);
	return 0;
}

const struct cmd_entry cmd_acl_entries[] = {
	{ CLI_V_SYSTEM, "acl [ number ] acl-number", "undo acl [ number ] acl-number",
	  acl_params, acl_kw, h_acl },
	{ CLI_V_ACL,
	  "rule [ rule-id ] { permit | deny } "
	  "[ source { source-address { source-wildcard | 0 } | any } ]",
	  "undo rule { rule-id | { permit | deny } "
	  "[ source { source-address { source-wildcard | 0 } | any } ] }",
	  rule_params, acl_kw, h_rule },
	{ CLI_V_ACL, "display this", NULL, NULL, acl_kw, h_display_this },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};

/* ---- configuration text ---- */

static int rule_cmp(const void *x, const void *y)
{
	unsigned long long a = strtoull((*(AclRule *const *)x)->id, NULL, 10);
	unsigned long long b = strtoull((*(AclRule *const *)y)->id, NULL, 10);

	return a < b ? -1 : a > b;
}

void cmd_acl_render_one(const Acl *acl, struct sbuf *out)
{
	AclRule **v = xcalloc(acl->n_rule ? acl->n_rule : 1, sizeof(*v));

	sbuf_printf(out, "acl number %s\r\n", acl->number);
	for (size_t i = 0; i < acl->n_rule; i++)
		v[i] = acl->rule[i];
	qsort(v, acl->n_rule, sizeof(*v), rule_cmp);
	for (size_t i = 0; i < acl->n_rule; i++) {
		const AclRule *r = v[i];

		sbuf_printf(out, " rule %s %s", r->id, r->has_deny && r->deny ? "deny" : "permit");
		if (r->source) {
			const char *w = r->wildcard && strcmp(r->wildcard, "0.0.0.0") ? r->wildcard
					: "0";
			sbuf_printf(out, " source %s %s", r->source, w);
		}
		sbuf_puts(out, "\r\n");
	}
	free(v);
}

void cmd_acl_render(const Config *c, struct sbuf *out)
{
	for (size_t i = 0; c && i < c->n_acl; i++) {
		sbuf_puts(out, "#\r\n");
		cmd_acl_render_one(c->acl[i], out);
	}
}
