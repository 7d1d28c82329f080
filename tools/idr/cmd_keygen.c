/* cmd_keygen.c - `idr keygen`: a key pair (HS_PUBKEY) or a secret (HS_SECKEY) for an identity. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/b64.h"
#include "base/crypto.h"
#include "base/wbuf.h"
#include "common/cli.h"
#include "idr/cmd.h"
#include "model/value.h"
#include "model/vjson.h"

#define KEYGEN_INDEX 300 /* the conventional index of an identity's HS_PUBKEY */

struct keygen_args {
	const char *type;
	const char *out;
	const char *show; /* --hs-pubkey FILE */
	uint64_t bits;
};

static int
parse(const struct cli_cmd *self, int argc, char **argv, struct keygen_args *a)
{
	static const struct option longopts[] = {
	        {"type", required_argument, NULL, 't'}, {"bits", required_argument, NULL, 'b'},
	        {"out", required_argument, NULL, 'o'},  {"hs-pubkey", required_argument, NULL, 'p'},
	        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
	};
	int c, rc;

	cli_getopt_reset();
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			a->type = optarg;
			break;
		case 'b':
			rc = cli_parse_u64(self, "--bits", optarg, 1024, 16384, &a->bits);
			if (rc != CLI_EXIT_OK) {
				return rc;
			}
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'p':
			a->show = optarg;
			break;
		case 'h':
			return -1;
		default:
			return cli_bad_option(self, c, argv);
		}
	}
	if (optind < argc) {
		return cli_usage_errorf(self, "unexpected argument '%s'", argv[optind]);
	}
	if (a->show != NULL) {
		if (a->out != NULL || a->type != NULL || a->bits != 0) {
			return cli_usage_errorf(self, "--hs-pubkey takes no other option");
		}
		return CLI_EXIT_OK;
	}
	if (a->out == NULL) {
		return cli_usage_errorf(self, "--out FILE is required");
	}
	if (a->type == NULL || (strcmp(a->type, "rsa") != 0 && strcmp(a->type, "sm2") != 0 &&
	                        strcmp(a->type, "secret") != 0)) {
		return cli_usage_errorf(self, "--type rsa, sm2 or secret is required");
	}
	if (a->bits != 0 && strcmp(a->type, "rsa") != 0) {
		return cli_usage_errorf(self,
		                        "--bits is for RSA keys only (SM2 keys are 256 bits)");
	}
	return CLI_EXIT_OK;
}

/* Print the key's HS_PUBKEY as a value in the JSON form `idr import` reads. */
static int
print_value(const char *name, const struct crypto_key *k)
{
	struct wbuf data, json;
	struct value v;
	int rc;

	wbuf_init_heap(&data, 1 << 20);
	wbuf_init_heap(&json, 1 << 21);
	rc = crypto_key_hs_pubkey(k, &data);
	if (rc == IDR_OK) {
		memset(&v, 0, sizeof(v));
		v.index = KEYGEN_INDEX;
		v.ttl_type = VALUE_TTL_RELATIVE;
		v.ttl = 86400;
		v.perms = VALUE_PERM_DEFAULT;
		v.type = SLICE_LIT("HS_PUBKEY");
		v.data = wbuf_slice(&data);
		rc = vjson_write_value(&json, &v);
	}
	if (rc == IDR_OK) {
		fwrite(wbuf_data(&json), 1, wbuf_len(&json), stdout);
		putchar('\n');
	} else {
		cli_errorf(name, "encoding the public key: %s", idr_strerror(rc));
	}
	wbuf_deinit(&data);
	wbuf_deinit(&json);
	return rc == IDR_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int
show(const char *name, const char *path)
{
	struct crypto_key *k = NULL;
	char safe[256];
	int rc = crypto_key_load(&k, path), ec;

	if (rc != IDR_OK) {
		cli_errorf(name, "%s: %s", cli_safe(path, safe, sizeof(safe)),
		           rc == IDR_EINVAL ? "not an RSA, DSA or SM2 key" : idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	ec = print_value(name, k);
	crypto_key_free(k);
	return ec;
}

static int
generate(const char *name, const struct keygen_args *a)
{
	enum crypto_key_type type = strcmp(a->type, "rsa") == 0 ? CRYPTO_KEY_RSA : CRYPTO_KEY_SM2;
	struct crypto_key *k = NULL;
	char *pub = NULL, safe[256];
	size_t n = strlen(a->out) + 5;
	int rc, ec = CLI_EXIT_FAIL;

	pub = malloc(n);
	if (pub == NULL) {
		cli_errorf(name, "out of memory");
		return CLI_EXIT_FAIL;
	}
	snprintf(pub, n, "%s.pub", a->out);
	rc = crypto_key_generate(&k, type, (unsigned)a->bits);
	if (rc != IDR_OK) {
		cli_errorf(name, "generating the key: %s", idr_strerror(rc));
		goto done;
	}
	rc = crypto_key_write_private(k, a->out);
	if (rc != IDR_OK) {
		cli_errorf(name, "%s: %s", cli_safe(a->out, safe, sizeof(safe)),
		           rc == IDR_EEXIST ? "exists; not overwritten" : idr_strerror(rc));
		goto done;
	}
	rc = crypto_key_write_public(k, pub);
	if (rc != IDR_OK) {
		cli_errorf(name, "%s: %s (the private key %s was written)",
		           cli_safe(pub, safe, sizeof(safe)),
		           rc == IDR_EEXIST ? "exists; not overwritten" : idr_strerror(rc), a->out);
		goto done;
	}
	ec = print_value(name, k);
done:
	crypto_key_free(k);
	free(pub);
	return ec;
}

#define SECRET_BYTES 24 /* 32 base64 characters */

/*
 * A secret-key identity: FILE gets a random secret (base64, mode 0600, never overwritten);
 * the HS_SECKEY value printed holds it hashed, as Handle.Net's "hashed" secret keys: the
 * lower-case hex of SHA-1(secret). HTTP Basic sends the secret itself; Handle clients answer
 * challenges with the hashed form (Java: SecretKeyAuthenticationInfo(..., hashed = true)).
 */
static int
secret(const char *name, const char *path)
{
	uint8_t raw[SECRET_BYTES], sha[CRYPTO_SHA1_LEN];
	char text[2 * SECRET_BYTES + 2], hex[2 * CRYPTO_SHA1_LEN + 1], safe[256];
	struct wbuf b64, json;
	struct value v;
	FILE *f;
	int fd, rc;

	if (crypto_random(raw, sizeof(raw)) != IDR_OK) {
		cli_errorf(name, "no randomness");
		return CLI_EXIT_FAIL;
	}
	wbuf_init(&b64, text, sizeof(text));
	b64_encode(&b64, slice_make(raw, sizeof(raw)));
	text[wbuf_len(&b64)] = '\0';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		cli_errorf(name, "%s: %s", cli_safe(path, safe, sizeof(safe)),
		           errno == EEXIST ? "exists; not overwritten" : strerror(errno));
		return CLI_EXIT_FAIL;
	}
	f = fdopen(fd, "w");
	if (f == NULL || fprintf(f, "%s\n", text) < 0 || fclose(f) != 0) {
		cli_errorf(name, "%s: %s", cli_safe(path, safe, sizeof(safe)), strerror(errno));
		return CLI_EXIT_FAIL;
	}
	rc = crypto_hash(CRYPTO_SHA1, text, strlen(text), sha);
	if (rc != IDR_OK) {
		cli_errorf(name, "hashing the secret: %s", idr_strerror(rc));
		return CLI_EXIT_FAIL;
	}
	crypto_hex(sha, sizeof(sha), hex);
	memset(&v, 0, sizeof(v));
	v.index = KEYGEN_INDEX;
	v.ttl_type = VALUE_TTL_RELATIVE;
	v.ttl = 86400;
	v.perms = VALUE_PERM_ADMIN_READ | VALUE_PERM_ADMIN_WRITE; /* never public */
	v.type = SLICE_LIT("HS_SECKEY");
	v.data = slice_cstr(hex);
	wbuf_init_heap(&json, 4096);
	rc = vjson_write_value(&json, &v);
	if (rc == IDR_OK) {
		fwrite(wbuf_data(&json), 1, wbuf_len(&json), stdout);
		putchar('\n');
	}
	wbuf_deinit(&json);
	memset(raw, 0, sizeof(raw));
	memset(text, 0, sizeof(text));
	return rc == IDR_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}

static int
run(const struct cli_cmd *self, int argc, char **argv)
{
	struct keygen_args a = {NULL, NULL, NULL, 0};
	int rc = parse(self, argc, argv, &a);

	if (rc < 0) {
		return cli_help(self);
	}
	if (rc != CLI_EXIT_OK) {
		return rc;
	}
	if (a.show != NULL) {
		return show(self->name, a.show);
	}
	if (strcmp(a.type, "secret") == 0) {
		return secret(self->name, a.out);
	}
	return generate(self->name, &a);
}

const struct cli_cmd cmd_keygen = {
        "keygen",
        "make a key pair for an identity and print its HS_PUBKEY value",
        "usage: idr keygen --type rsa|sm2|secret [--bits N] --out FILE\n"
        "       idr keygen --hs-pubkey FILE\n"
        "\n"
        "Generate a key pair: FILE gets the private key (PKCS#8 PEM, mode 0600) and FILE.pub\n"
        "the public key (SubjectPublicKeyInfo PEM); existing files are never overwritten.\n"
        "Prints the public key as an HS_PUBKEY value at index 300, in the JSON form of\n"
        "`idr import` record lines, to paste into the identity's \"values\" array.\n"
        "--hs-pubkey FILE prints that value for an existing PEM key file (private or\n"
        "public; RSA, DSA or SM2).\n"
        "--type secret writes a random secret to FILE (0600) and prints an HS_SECKEY value\n"
        "holding it hashed (hex SHA-1, Handle.Net's hashed secret keys): HTTP Basic sends the\n"
        "secret, Handle clients answer challenges with the hashed form.\n"
        "\n"
        "options:\n"
        "  --type T         rsa, sm2 (signs with SM3, the IDIS way) or secret\n"
        "  --bits N         RSA modulus size, 1024..16384 (default 2048)\n"
        "  --out FILE       private key file; the public key goes to FILE.pub\n",
        run,
};
