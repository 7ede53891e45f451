/*
 * cmd_acl.c: basic ACLs, IPv4 and IPv6, as VRP writes them:
 *
 *   [~DeviceC] acl number 2000            (or `acl 2000`; creates it, enters its view)
 *   [~DeviceC-acl-basic-2000] rule 5 permit source 10.0.1.0 0.0.0.255
 *   [~DeviceC-acl-basic-2000] rule deny source 10.0.1.33 0
 *   [~DeviceC-acl-basic-2000] rule permit source any
 *   undo rule 5 / undo rule deny source 10.0.1.33 0 / undo acl number 2000
 *
 *   [~DeviceC] acl ipv6 number 2001       (or `acl ipv6 2001`)
 *   [~DeviceC-acl6-basic-2001] rule 5 permit source 2001:DB8:1:: 48
 *   [~DeviceC-acl6-basic-2001] rule deny source 2001:db8::66/128
 *   undo rule 5 / undo rule deny source 2001:DB8::66/128 / undo acl ipv6 number 2001
 *
 * The two families are separate number spaces (Config.acl and Config.acl6,
 * the same messages: an IPv6 rule has a prefix length where an IPv4 rule
 * has a wildcard).  Only basic ACLs (2000..2999) exist here; advanced ones
 * are refused by the grammar.  A rule without an id gets the next multiple
 * of 5 above the highest id in the candidate (VRP's default step).
 * Re-entering a rule id replaces that rule.  The address is stored with the
 * bits the rule ignores cleared (10.0.1.7 0.0.0.255 is kept as 10.0.1.0
 * 0.0.0.255, 2001:db8::7/64 as 2001:db8::/64), `source any` and no source
 * both mean any source and print as no source.  `undo rule` by content
 * removes the rule with that action and source (normalized the same way);
 * when none matches, the candidate is left alone and the operator is told.
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
	{ "ipv6", "Specify an IPv6 ACL" },
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
	{ "acl6-number", GP_INT, 2000, 2999, "Basic IPv6 access-list (add to current using rules)" },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cmd_param rule_params[] = {
	{ "rule-id", GP_INT, 0, ACL_RULE_MAX, "ID of ACL rule" },
	{ "source-address", GP_IPV4, 0, 0, "Address of source" },
	{ "source-wildcard", GP_IPV4, 0, 0, "Wildcard bits of source" },
	{ NULL, 0, 0, 0, NULL },
};

static const struct cmd_param rule6_params[] = {
	{ "rule-id", GP_INT, 0, ACL_RULE_MAX, "ID of ACL rule" },
	{ "source-ipv6-address", GP_STRING, 2, 39, "Source IPv6 address (X:X::X:X)" },
	{ "prefix-length", GP_INT, 1, 128, "Prefix length of source IPv6 address" },
	{ "source-ipv6-address/prefix-length", GP_STRING, 4, 43,
	  "Source IPv6 address and prefix length (X:X::X:X/M)" },
	{ NULL, 0, 0, 0, NULL },
};

/* The family of an ACL view or command: the list of Config it lives in. */
static bool view_is_v6(struct cmd_ctx *ctx)
{
	return cmd_view(ctx) == CLI_VIEW_ACL6;
}

static const char *list_name(bool v6)
{
	return v6 ? "acl6" : "acl";
}

static Acl **list_of(const Config *c, bool v6, size_t *n)
{
	*n = v6 ? c->n_acl6 : c->n_acl;
	return v6 ? c->acl6 : c->acl;
}

static Acl *frag_acl(Config *c, bool v6, const char *number)
{
	Acl ***v = v6 ? &c->acl6 : &c->acl;
	size_t *n = v6 ? &c->n_acl6 : &c->n_acl;
	Acl *a = xmalloc(sizeof(*a));

	acl__init(a);
	a->number = xstrdup(number);
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = a;
	return a;
}

bool cmd_acl_exists(const Config *c, bool v6, const char *number)
{
	size_t n;
	Acl **v = c ? list_of(c, v6, &n) : NULL;

	for (size_t i = 0; v && i < n; i++)
		if (v[i]->number && !strcmp(v[i]->number, number))
			return true;
	return false;
}

/* The candidate's ACL `num` of the family: 0 with *cfg owned by the caller
 * (may be NULL) and *acl pointing into it (NULL when absent), or -1 after
 * writing the error. */
static int candidate_acl(struct cmd_ctx *ctx, bool v6, const char *num, Config **cfg,
			 const Acl **acl)
{
	size_t n;
	Acl **v;

	*acl = NULL;
	if (cmd_get_config(ctx, true, cfg) < 0)
		return -1;
	v = *cfg ? list_of(*cfg, v6, &n) : NULL;
	for (size_t i = 0; v && i < n; i++)
		if (v[i]->number && !strcmp(v[i]->number, num))
			*acl = v[i];
	return 0;
}

static int h_acl(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	bool v6 = cmd_has(a, "ipv6");
	char num[16];

	snprintf(num, sizeof(num), "%u", cmd_arg_u32(a, v6 ? "acl6-number" : "acl-number", 0));
	if (a->undo) {
		cmd_edit_delete(ctx, list_name(v6), num, NULL);
		return 0;
	}
	Config *c = frag_new();
	frag_acl(c, v6, num);
	cmd_edit_set(ctx, c);
	cmd_set_view(ctx, v6 ? CLI_VIEW_ACL6 : CLI_VIEW_ACL, num);
	return 0;
}

/* The next free id: the multiple of ACL_STEP after the highest in use. */
static int next_rule_id(struct cmd_ctx *ctx, bool v6, const char *num, uint32_t *out)
{
	const Acl *acl;
	Config *c;
	unsigned long long max = 0;
	bool any = false;

	if (candidate_acl(ctx, v6, num, &c, &acl) < 0)
		return -1;
	for (size_t k = 0; acl && k < acl->n_rule; k++) {
		unsigned long long id = strtoull(acl->rule[k]->id, NULL, 10);

		if (!any || id > max)
			max = id;
		any = true;
	}
	if (c)
		config__free_unpacked(c, NULL);
	max = any ? (max / ACL_STEP + 1) * ACL_STEP : ACL_STEP;
	if (max > ACL_RULE_MAX)
		return cmd_error(ctx, "The rule ID exceeds the maximum; specify the rule ID.");
	*out = (uint32_t)max;
	return 0;
}

/* An IPv4 rule's source, normalized, into r. */
static void source_v4(const struct cmd_args *a, AclRule *r)
{
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

/* An IPv6 rule's source, normalized, into r: 0, or -1 after the error. */
static int source_v6(struct cmd_ctx *ctx, const struct cmd_args *a, AclRule *r)
{
	struct in6_addr x;
	char buf[INET6_ADDRSTRLEN];
	uint32_t plen;
	size_t tok;

	if (cmd_arg_ipv6_prefix(ctx, a, "source-ipv6-address", "prefix-length",
				"source-ipv6-address/prefix-length", 128, &x, &plen, &tok) < 0)
		return -1;
	for (uint32_t bit = plen; bit < 128; bit++)
		x.s6_addr[bit / 8] &= (uint8_t)~(0x80u >> (bit % 8));
	inet_ntop(AF_INET6, &x, buf, sizeof(buf));
	r->source = xstrdup(buf);
	r->has_prefix_len = true;
	r->prefix_len = plen;
	return 0;
}

/* The rule the arguments describe (id aside): action and normalized
 * source, into r (strings allocated).  0, or -1 after the error. */
static int rule_from_args(struct cmd_ctx *ctx, const struct cmd_args *a, bool v6, AclRule *r)
{
	if (cmd_has(a, "deny")) {
		r->has_deny = true;
		r->deny = true;
	}
	if (!v6 && cmd_has(a, "source-address"))
		source_v4(a, r);
	else if (v6 && (cmd_has(a, "source-ipv6-address") ||
			cmd_has(a, "source-ipv6-address/prefix-length")))
		return source_v6(ctx, a, r);
	return 0;
}

static bool str_same(const char *x, const char *y)
{
	return strcmp(x ? x : "", y ? y : "") == 0;
}

static bool rule_same(const AclRule *x, const AclRule *y)
{
	return (x->has_deny && x->deny) == (y->has_deny && y->deny) &&
	       str_same(x->source, y->source) && str_same(x->wildcard, y->wildcard) &&
	       (x->has_prefix_len ? x->prefix_len : 0) == (y->has_prefix_len ? y->prefix_len : 0);
}

/* `undo rule { permit | deny } [ source ... ]`: the id of the candidate's
 * rule with that content in the view's ACL, into idtxt. */
static int find_rule_by_content(struct cmd_ctx *ctx, bool v6, const char *num,
				const struct cmd_args *a, char *idtxt, size_t len)
{
	AclRule want = ACL_RULE__INIT;
	const Acl *acl = NULL;
	Config *c = NULL;
	int r = -1;

	if (rule_from_args(ctx, a, v6, &want) < 0 || candidate_acl(ctx, v6, num, &c, &acl) < 0)
		goto out;
	for (size_t k = 0; acl && k < acl->n_rule; k++)
		if (rule_same(acl->rule[k], &want)) {
			snprintf(idtxt, len, "%s", acl->rule[k]->id);
			r = 0;
			break;
		}
	if (r < 0)
		cmd_error(ctx, "The rule does not exist.");
out:
	free(want.source);
	free(want.wildcard);
	if (c)
		config__free_unpacked(c, NULL);
	return r;
}

static int h_rule(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *num = cmd_view_acl(ctx);
	bool v6 = view_is_v6(ctx);
	uint32_t id = 0;
	char idtxt[16];

	if (!num)
		return cmd_error(ctx, "The command is only valid in an ACL view.");
	if (a->undo && !cmd_has(a, "rule-id")) {
		if (find_rule_by_content(ctx, v6, num, a, idtxt, sizeof(idtxt)) < 0)
			return -1;
		cmd_edit_delete(ctx, list_name(v6), num, "rule", idtxt, NULL);
		return 0;
	}

	Config *c = frag_new();
	Acl *acl = frag_acl(c, v6, num);
	AclRule *r = xmalloc(sizeof(*r));

	acl_rule__init(r);
	acl->rule = xmalloc(sizeof(*acl->rule));
	acl->rule[0] = r;
	acl->n_rule = 1;
	if (!a->undo && rule_from_args(ctx, a, v6, r) < 0)
		goto fail;
	if (cmd_has(a, "rule-id"))
		id = cmd_arg_u32(a, "rule-id", 0);
	else if (next_rule_id(ctx, v6, num, &id) < 0)
		goto fail;
	snprintf(idtxt, sizeof(idtxt), "%u", id);
	cmd_edit_delete(ctx, list_name(v6), num, "rule", idtxt, NULL);
	if (a->undo) {
		config__free_unpacked(c, NULL);
		return 0;
	}
	r->id = xstrdup(idtxt);
	cmd_edit_set(ctx, c);
	return 0;
fail:
	config__free_unpacked(c, NULL);
	return -1;
}

static int h_display_this(struct cmd_ctx *ctx, const struct cmd_args *a)
{
	const char *num = cmd_view_acl(ctx);
	bool v6 = view_is_v6(ctx);
	struct sbuf b = { 0 };
	Acl **v = NULL;
	size_t n = 0;
	Config *c;

	if (cmd_get_config(ctx, false, &c) < 0)
		return -1;
	if (c)
		v = list_of(c, v6, &n);
	sbuf_puts(&b, "#\r\n");
	for (size_t i = 0; num && i < n; i++)
		if (v[i]->number && !strcmp(v[i]->number, num))
			cmd_acl_render_one(v[i], v6, &b);
	sbuf_puts(&b, "#\r\nreturn\r\n");
	cmd_write(ctx, b.buf, b.len);
	sbuf_free(&b);
	if (c)
		config__free_unpacked(c, NULL);
	return 0;
}

#define SOURCE6 "source { source-ipv6-address prefix-length | " \
	"source-ipv6-address/prefix-length | any }"

const struct cmd_entry cmd_acl_entries[] = {
	{ CLI_V_SYSTEM, "acl [ number ] acl-number", "undo acl [ number ] acl-number",
	  acl_params, acl_kw, h_acl },
	{ CLI_V_SYSTEM, "acl ipv6 [ number ] acl6-number", "undo acl ipv6 [ number ] acl6-number",
	  acl_params, acl_kw, h_acl },
	{ CLI_V_ACL,
	  "rule [ rule-id ] { permit | deny } "
	  "[ source { source-address { source-wildcard | 0 } | any } ]",
	  "undo rule { rule-id | { permit | deny } "
	  "[ source { source-address { source-wildcard | 0 } | any } ] }",
	  rule_params, acl_kw, h_rule },
	{ CLI_V_ACL6,
	  "rule [ rule-id ] { permit | deny } [ " SOURCE6 " ]",
	  "undo rule { rule-id | { permit | deny } [ " SOURCE6 " ] }",
	  rule6_params, acl_kw, h_rule },
	{ CLI_V_ACL | CLI_V_ACL6, "display this", NULL, NULL, acl_kw, h_display_this },
	{ 0, NULL, NULL, NULL, NULL, NULL },
};

/* ---- configuration text ---- */

static int rule_cmp(const void *x, const void *y)
{
	unsigned long long a = strtoull((*(AclRule *const *)x)->id, NULL, 10);
	unsigned long long b = strtoull((*(AclRule *const *)y)->id, NULL, 10);

	return a < b ? -1 : a > b;
}

void cmd_acl_render_one(const Acl *acl, bool v6, struct sbuf *out)
{
	AclRule **v = xcalloc(acl->n_rule ? acl->n_rule : 1, sizeof(*v));

	sbuf_printf(out, "acl %snumber %s\r\n", v6 ? "ipv6 " : "", acl->number);
	for (size_t i = 0; i < acl->n_rule; i++)
		v[i] = acl->rule[i];
	qsort(v, acl->n_rule, sizeof(*v), rule_cmp);
	for (size_t i = 0; i < acl->n_rule; i++) {
		const AclRule *r = v[i];

		sbuf_printf(out, " rule %s %s", r->id, r->has_deny && r->deny ? "deny" : "permit");
		if (r->source && v6) {
			sbuf_puts(out, " source ");
			sbuf_puts_upper(out, r->source);
			sbuf_printf(out, "/%u", r->has_prefix_len ? r->prefix_len : 128);
		} else if (r->source) {
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
		cmd_acl_render_one(c->acl[i], false, out);
	}
	for (size_t i = 0; c && i < c->n_acl6; i++) {
		sbuf_puts(out, "#\r\n");
		cmd_acl_render_one(c->acl6[i], true, out);
	}
}
