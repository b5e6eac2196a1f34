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

// klartekst_rank(search_fts, weight per column…): BM25's term-frequency part (k1 = 1.2,
// b = 0.75, lengths from FTS5's stored column sizes) summed over the query's phrases and the
// columns, each column weighted — without BM25's inverse document frequency. FTS5's bm25()
// finds each phrase's document count by reading the phrase's whole doclist on every query (20–90 ms
// for a word in every document of a million); here only the matched rows are read. Higher is better.
// Klartekst ranks a window of matches that all contain every word (AND), where IDF only shifts
// weight between the words.
static void klartekst_rank(const Fts5ExtensionApi *api, Fts5Context *ctx, sqlite3_context *out, int nVal, sqlite3_value **apVal) {
    const double k1 = 1.2, b = 0.75;
    int nCol = api->xColumnCount(ctx);
    int nPhrase = api->xPhraseCount(ctx);
    double *avg = (double *)api->xGetAuxdata(ctx, 0);
    if (!avg) {
        avg = (double *)sqlite3_malloc((int)sizeof(double) * nCol);
        if (!avg) {
            sqlite3_result_error_nomem(out);
            return;
        }
        sqlite3_int64 rows = 0;
        api->xRowCount(ctx, &rows);
        for (int c = 0; c < nCol; c++) {
            sqlite3_int64 total = 0;
            api->xColumnTotalSize(ctx, c, &total);
            avg[c] = rows > 0 && total > 0 ? (double)total / (double)rows : 1.0;
        }
        if (api->xSetAuxdata(ctx, avg, sqlite3_free) != SQLITE_OK) {
            sqlite3_result_error_nomem(out);
            return;
        }
    }
    int cells = nCol * (nPhrase > 0 ? nPhrase : 1);
    int *tf = (int *)sqlite3_malloc((int)sizeof(int) * cells);
    if (!tf) {
        sqlite3_result_error_nomem(out);
        return;
    }
    memset(tf, 0, sizeof(int) * (size_t)cells);
    int nInst = 0;
    api->xInstCount(ctx, &nInst);
    for (int i = 0; i < nInst; i++) {
        int phrase = 0, col = 0, offset = 0;
        if (api->xInst(ctx, i, &phrase, &col, &offset) == SQLITE_OK && phrase >= 0 && phrase < nPhrase && col >= 0 && col < nCol) {
            tf[phrase * nCol + col]++;
        }
    }
    double score = 0;
    for (int c = 0; c < nCol; c++) {
        int any = 0;
        for (int p = 0; p < nPhrase; p++) any |= tf[p * nCol + c];
        if (!any) continue;
        int length = 0;
        api->xColumnSize(ctx, c, &length);
        double weight = c < nVal ? sqlite3_value_double(apVal[c]) : 1.0;
        double norm = k1 * (1 - b + b * (double)length / avg[c]);
        for (int p = 0; p < nPhrase; p++) {
            int f = tf[p * nCol + c];
            if (f > 0) score += weight * (f * (k1 + 1)) / (f + norm);
        }
    }
    sqlite3_free(tf);
    sqlite3_result_double(out, score);
}

int klartekst_fts_register(sqlite3 *db) {
    fts5_api *api = fts5_api_from_db(db);
    if (!api) return SQLITE_ERROR;
    fts5_tokenizer tokenizer = {danish_create, danish_delete, danish_tokenize};
    int rc = api->xCreateTokenizer(api, "klartekst_danish", (void *)api, &tokenizer, 0);
    if (rc != SQLITE_OK) return rc;
    return api->xCreateFunction(api, "klartekst_rank", 0, klartekst_rank, 0);
}

void *klartekst_stemmer_new(void) {
    return sb_stemmer_new("danish", "UTF_8");
}

int klartekst_stemmer_stem(void *stemmer, const char *word, int length, char *out, int capacity) {
    struct sb_stemmer *s = stemmer;
    if (!s) return -1;
    const sb_symbol *stem = sb_stemmer_stem(s, (const sb_symbol *)word, length);
    int n = stem ? sb_stemmer_length(s) : -1;
    if (n < 0 || n + 1 > capacity) return -1;
    memcpy(out, stem, n);
    out[n] = 0;
    return n;
}

void klartekst_stemmer_free(void *stemmer) {
    if (stemmer) sb_stemmer_delete(stemmer);
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
