// The "klartekst_danish" FTS5 tokenizer: unicode61 (remove_diacritics 0, so æ, ø and å stay
// letters) wrapped so that every token is stemmed by libstemmer's Danish Snowball stemmer.
// Built into Klartekst (klartekst_fts_register) and, with -DKLARTEKST_LOADABLE, as a SQLite
// loadable extension so other tools (Datasette, the sqlite3 shell) read the same index.
#ifdef KLARTEKST_LOADABLE
#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
#else
#include <sqlite3.h>
#endif
#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    fts5_tokenizer parent;       // unicode61's methods
    Fts5Tokenizer *parentTokenizer;
    struct sb_stemmer *stemmer;
} DanishTokenizer;

typedef struct {
    void *ctx;
    int (*xToken)(void *, int, const char *, int, int, int);
    struct sb_stemmer *stemmer;
} StemContext;

static fts5_api *fts5_api_from_db(sqlite3 *db) {
    fts5_api *api = 0;
    sqlite3_stmt *stmt = 0;
    if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, 0) == SQLITE_OK) {
        sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", 0);
        sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    return api;
}

static void danish_delete(Fts5Tokenizer *p) {
    DanishTokenizer *t = (DanishTokenizer *)p;
    if (!t) return;
    if (t->parentTokenizer) t->parent.xDelete(t->parentTokenizer);
    if (t->stemmer) sb_stemmer_delete(t->stemmer);
    sqlite3_free(t);
}

static int danish_create(void *pCtx, const char **azArg, int nArg, Fts5Tokenizer **ppOut) {
    fts5_api *api = (fts5_api *)pCtx;
    (void)azArg;
    (void)nArg;
    DanishTokenizer *t = sqlite3_malloc(sizeof(DanishTokenizer));
    if (!t) return SQLITE_NOMEM;
    memset(t, 0, sizeof(*t));
    void *userData = 0;
    int rc = api->xFindTokenizer(api, "unicode61", &userData, &t->parent);
    if (rc == SQLITE_OK) {
        const char *args[] = {"remove_diacritics", "0"};
        rc = t->parent.xCreate(userData, args, 2, &t->parentTokenizer);
    }
    if (rc == SQLITE_OK) {
        t->stemmer = sb_stemmer_new("danish", "UTF_8");
        if (!t->stemmer) rc = SQLITE_ERROR;
    }
    if (rc != SQLITE_OK) {
        danish_delete((Fts5Tokenizer *)t);
        return rc;
    }
    *ppOut = (Fts5Tokenizer *)t;
    return SQLITE_OK;
}

static int stem_token(void *pCtx, int tflags, const char *pToken, int nToken, int iStart, int iEnd) {
    StemContext *c = (StemContext *)pCtx;
    const sb_symbol *stem = sb_stemmer_stem(c->stemmer, (const sb_symbol *)pToken, nToken);
    if (!stem) return SQLITE_NOMEM;
    int n = sb_stemmer_length(c->stemmer);
    if (n <= 0) return c->xToken(c->ctx, tflags, pToken, nToken, iStart, iEnd);
    return c->xToken(c->ctx, tflags, (const char *)stem, n, iStart, iEnd);
}

static int danish_tokenize(
    Fts5Tokenizer *p, void *pCtx, int flags, const char *pText, int nText,
    int (*xToken)(void *, int, const char *, int, int, int)) {
    DanishTokenizer *t = (DanishTokenizer *)p;
    StemContext c = {pCtx, xToken, t->stemmer};
    return t->parent.xTokenize(t->parentTokenizer, &c, flags, pText, nText, stem_token);
}

int klartekst_fts_register(sqlite3 *db) {
    fts5_api *api = fts5_api_from_db(db);
    if (!api) return SQLITE_ERROR;
    fts5_tokenizer tokenizer = {danish_create, danish_delete, danish_tokenize};
    return api->xCreateTokenizer(api, "klartekst_danish", (void *)api, &tokenizer, 0);
}

int klartekst_stem(const char *word, int length, char *out, int capacity) {
    struct sb_stemmer *s = sb_stemmer_new("danish", "UTF_8");
    if (!s) return -1;
    const sb_symbol *stem = sb_stemmer_stem(s, (const sb_symbol *)word, length);
    int n = stem ? sb_stemmer_length(s) : -1;
    if (n < 0 || n + 1 > capacity) {
        sb_stemmer_delete(s);
        return -1;
    }
    memcpy(out, stem, n);
    out[n] = 0;
    sb_stemmer_delete(s);
    return n;
}

#ifdef KLARTEKST_LOADABLE
#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_klartekstfts_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
    SQLITE_EXTENSION_INIT2(pApi);
    (void)pzErrMsg;
    return klartekst_fts_register(db);
}
#endif
