#ifndef KLARTEKST_FTS_H
#define KLARTEKST_FTS_H

#include <sqlite3.h>

/// Registers the FTS5 tokenizer "klartekst_danish" on one connection: SQLite's unicode61
/// (case folded, Danish letters kept) with every token stemmed by Snowball's Danish stemmer
/// (libstemmer). Returns SQLITE_OK or an SQLite error code.
int klartekst_fts_register(sqlite3 *db);

/// A Snowball "danish" stemmer for many words (not thread-safe: one per caller at a time);
/// NULL when libstemmer has no Danish.
void *klartekst_stemmer_new(void);
/// Stems one lower-case UTF-8 word into out (NUL-terminated); returns the stem's length, or -1
/// when it does not fit or there is no stemmer.
int klartekst_stemmer_stem(void *stemmer, const char *word, int length, char *out, int capacity);
void klartekst_stemmer_free(void *stemmer);

#endif
