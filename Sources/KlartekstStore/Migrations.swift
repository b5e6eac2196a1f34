/// Versioned schema migrations, shared by SQLite and PostgreSQL through portable DDL tokens
/// (`{PK}`, `{INT}`, `{BLOB}`). A shipped migration is never edited: add a new one.
enum Migrations {
    static let all: [(name: String, statements: [String])] = [
        (
            "0001-initial",
            [
                """
                CREATE TABLE municipality (
                    slug TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    portal_base_url TEXT,
                    portal_kind TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE committee (
                    id {PK},
                    municipality TEXT NOT NULL REFERENCES municipality(slug),
                    slug TEXT NOT NULL,
                    name TEXT NOT NULL,
                    portal_id TEXT,
                    UNIQUE (municipality, slug)
                )
                """,
                """
                CREATE TABLE meeting (
                    id {PK},
                    identity_key TEXT NOT NULL UNIQUE,
                    municipality TEXT NOT NULL REFERENCES municipality(slug),
                    committee_id {INT} NOT NULL REFERENCES committee(id),
                    slug TEXT NOT NULL,
                    meeting_date TEXT,
                    starts_at TEXT,
                    location TEXT,
                    latest_kind TEXT NOT NULL,
                    participants TEXT NOT NULL,
                    UNIQUE (municipality, slug)
                )
                """,
                "CREATE INDEX meeting_by_date ON meeting (municipality, meeting_date)",
                """
                CREATE TABLE meeting_document (
                    id {PK},
                    meeting_id {INT} NOT NULL REFERENCES meeting(id),
                    content_hash TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    finished {INT} NOT NULL,
                    portal_meeting_id TEXT,
                    imported_at TEXT NOT NULL,
                    UNIQUE (meeting_id, content_hash)
                )
                """,
                """
                CREATE TABLE case_file (
                    id {PK},
                    municipality TEXT NOT NULL REFERENCES municipality(slug),
                    case_number TEXT NOT NULL,
                    slug TEXT NOT NULL,
                    UNIQUE (municipality, slug)
                )
                """,
                """
                CREATE TABLE item (
                    id {PK},
                    identity_key TEXT NOT NULL UNIQUE,
                    meeting_id {INT} NOT NULL REFERENCES meeting(id),
                    case_id {INT} REFERENCES case_file(id),
                    number TEXT NOT NULL,
                    sorting {INT} NOT NULL,
                    case_number TEXT,
                    title TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('public', 'procedural', 'closed')),
                    item_type TEXT NOT NULL,
                    current_revision {INT} NOT NULL,
                    portal_item_id TEXT,
                    portal_meeting_id TEXT,
                    presentation_document_id TEXT
                )
                """,
                "CREATE INDEX item_by_meeting ON item (meeting_id, sorting)",
                "CREATE INDEX item_by_case ON item (case_id)",
                """
                CREATE TABLE item_revision (
                    id {PK},
                    item_id {INT} NOT NULL REFERENCES item(id),
                    revision {INT} NOT NULL,
                    content_hash TEXT NOT NULL,
                    document_kind TEXT NOT NULL,
                    title TEXT NOT NULL,
                    is_open {INT} NOT NULL,
                    html TEXT NOT NULL,
                    parser_version {INT} NOT NULL,
                    imported_at TEXT NOT NULL,
                    UNIQUE (item_id, revision),
                    UNIQUE (item_id, content_hash)
                )
                """,
                """
                CREATE TABLE section (
                    id {PK},
                    revision_id {INT} NOT NULL REFERENCES item_revision(id) ON DELETE CASCADE,
                    ordinal {INT} NOT NULL,
                    kind TEXT NOT NULL,
                    heading TEXT NOT NULL,
                    supplementary {INT} NOT NULL,
                    revised_on TEXT,
                    committee TEXT,
                    decided_on TEXT,
                    body_text TEXT NOT NULL,
                    body_html TEXT NOT NULL,
                    entries TEXT NOT NULL,
                    UNIQUE (revision_id, ordinal)
                )
                """,
                """
                CREATE TABLE attachment (
                    id {PK},
                    revision_id {INT} NOT NULL REFERENCES item_revision(id) ON DELETE CASCADE,
                    ordinal {INT} NOT NULL,
                    name TEXT NOT NULL,
                    portal_id TEXT,
                    has_pdf {INT} NOT NULL,
                    UNIQUE (revision_id, ordinal)
                )
                """,
            ]
        ),
        (
            "0002-sync-state",
            [
                """
                CREATE TABLE http_cache (
                    url TEXT PRIMARY KEY,
                    etag TEXT,
                    last_modified TEXT,
                    sha256 TEXT,
                    fetched_at TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE sync_meeting (
                    municipality TEXT NOT NULL,
                    portal_id TEXT NOT NULL,
                    committee TEXT NOT NULL,
                    meeting_date TEXT,
                    fingerprint TEXT NOT NULL,
                    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
                    attempts {INT} NOT NULL,
                    last_error TEXT,
                    updated_at TEXT NOT NULL,
                    PRIMARY KEY (municipality, portal_id)
                )
                """,
                "CREATE INDEX sync_meeting_by_state ON sync_meeting (municipality, state)",
                """
                CREATE TABLE document_file (
                    municipality TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('attachment', 'presentation')),
                    portal_id TEXT NOT NULL,
                    sha256 TEXT,
                    size {INT},
                    content_type TEXT,
                    attempts {INT} NOT NULL,
                    last_error TEXT,
                    updated_at TEXT NOT NULL,
                    PRIMARY KEY (municipality, kind, portal_id)
                )
                """,
                """
                CREATE TABLE source_health (
                    municipality TEXT PRIMARY KEY,
                    last_started TEXT,
                    last_success TEXT,
                    last_error TEXT,
                    last_error_at TEXT,
                    consecutive_failures {INT} NOT NULL
                )
                """,
            ]
        ),
        (
            "0003-document-text",
            [
                """
                CREATE TABLE document_text (
                    sha256 TEXT PRIMARY KEY,
                    extractor_version {INT} NOT NULL,
                    page_count {INT} NOT NULL,
                    ocr_pages {INT} NOT NULL,
                    broken_layers {INT} NOT NULL,
                    tools TEXT NOT NULL,
                    language TEXT NOT NULL,
                    seconds {REAL} NOT NULL,
                    error TEXT,
                    extracted_at TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE page_text (
                    sha256 TEXT NOT NULL REFERENCES document_text(sha256) ON DELETE CASCADE,
                    page {INT} NOT NULL,
                    method TEXT NOT NULL CHECK (method IN ('textLayer', 'ocr')),
                    body TEXT NOT NULL,
                    quality {REAL} NOT NULL,
                    layer_quality {REAL},
                    ocr_quality {REAL},
                    layer_broken {INT} NOT NULL,
                    margins TEXT NOT NULL,
                    PRIMARY KEY (sha256, page)
                )
                """,
            ]
        ),
        (
            "0004-analysis",
            [
                """
                CREATE TABLE analysis (
                    id {PK},
                    item_key TEXT NOT NULL,
                    prompt TEXT NOT NULL,
                    prompt_version {INT} NOT NULL,
                    topic TEXT NOT NULL,
                    model TEXT NOT NULL,
                    backend TEXT NOT NULL,
                    input_hash TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('published', 'pendingReview', 'failed', 'rejected')),
                    result TEXT NOT NULL,
                    problems TEXT NOT NULL,
                    prompt_tokens {INT} NOT NULL,
                    completion_tokens {INT} NOT NULL,
                    seconds {REAL} NOT NULL,
                    edited {INT} NOT NULL,
                    created_at TEXT NOT NULL,
                    UNIQUE (item_key, prompt, prompt_version, topic, model, input_hash)
                )
                """,
                "CREATE INDEX analysis_by_item ON analysis (item_key, prompt, topic)",
            ]
        ),
        (
            "0005-analysis-review",
            [
                "ALTER TABLE analysis ADD COLUMN original_result TEXT",
                "ALTER TABLE analysis ADD COLUMN reviewed_by TEXT",
                "ALTER TABLE analysis ADD COLUMN reviewed_at TEXT",
                "CREATE INDEX analysis_by_status ON analysis (status, created_at)",
            ]
        ),
        (
            "0006-votes",
            [
                """
                CREATE TABLE participant (
                    id TEXT PRIMARY KEY,
                    level TEXT NOT NULL DEFAULT 'anonymous' CHECK (level IN ('anonymous', 'verified')),
                    created_at TEXT NOT NULL
                )
                """,
                """
                CREATE TABLE vote (
                    participant_id TEXT NOT NULL REFERENCES participant(id) ON DELETE CASCADE,
                    item_key TEXT NOT NULL,
                    municipality TEXT NOT NULL,
                    choice TEXT NOT NULL CHECK (choice IN ('agree', 'disagree', 'pass')),
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    PRIMARY KEY (participant_id, item_key)
                )
                """,
                "CREATE INDEX vote_by_item ON vote (item_key, choice)",
                "CREATE INDEX vote_by_municipality ON vote (municipality, item_key)",
                """
                CREATE TABLE vote_flag (
                    id {PK},
                    item_key TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    created_at TEXT NOT NULL
                )
                """,
            ]
        ),
        (
            "0007-error-reports",
            [
                """
                CREATE TABLE error_report (
                    id {PK},
                    page TEXT NOT NULL,
                    message TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
                    created_at TEXT NOT NULL,
                    closed_by TEXT
                )
                """,
                "CREATE INDEX error_report_by_status ON error_report (status, id)",
            ]
        ),
        (
            "0008-speech",
            [
                """
                CREATE TABLE speech (
                    analysis_id {INT} NOT NULL,
                    text_hash TEXT NOT NULL,
                    voice TEXT NOT NULL,
                    audio {BLOB} NOT NULL,
                    created_at TEXT NOT NULL,
                    PRIMARY KEY (analysis_id, text_hash, voice)
                )
                """,
                "CREATE INDEX meeting_by_day ON meeting (meeting_date)",
            ]
        ),
        (
            "0009-search",
            [
                """
                CREATE TABLE search_doc (
                    id {PK},
                    item_key TEXT NOT NULL UNIQUE,
                    municipality TEXT NOT NULL,
                    municipality_name TEXT NOT NULL,
                    committee TEXT NOT NULL,
                    meeting_slug TEXT NOT NULL,
                    number TEXT NOT NULL,
                    meeting_date TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    decided {INT} NOT NULL,
                    topics TEXT NOT NULL,
                    title TEXT NOT NULL,
                    analysis TEXT NOT NULL,
                    parts TEXT NOT NULL,
                    body TEXT NOT NULL,
                    attachments TEXT NOT NULL,
                    content_hash TEXT NOT NULL,
                    signature TEXT NOT NULL,
                    indexed_at TEXT NOT NULL
                )
                """,
                "CREATE INDEX search_doc_by_date ON search_doc (meeting_date, id)",
                "CREATE INDEX search_doc_by_municipality ON search_doc (municipality, meeting_date)",
                // SQLite: an FTS5 index over search_doc (external content), Danish stemming by the
                // klartekst_danish tokenizer (libstemmer); columns weighted title > analysis > parts, body > attachments.
                """
                {SQLITE}CREATE VIRTUAL TABLE search_fts USING fts5(title, analysis, parts, body, attachments,
                    content='search_doc', content_rowid='id', tokenize='klartekst_danish')
                """,
                "{SQLITE}INSERT INTO search_fts(search_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 2.0, 2.0, 1.0)')",
                // PostgreSQL: the same columns and weights in a generated tsvector ('danish' Snowball).
                """
                {POSTGRES}ALTER TABLE search_doc ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
                    setweight(to_tsvector('danish', title), 'A') || setweight(to_tsvector('danish', analysis), 'B')
                    || setweight(to_tsvector('danish', parts), 'C') || setweight(to_tsvector('danish', body), 'C')
                    || setweight(to_tsvector('danish', attachments), 'D')) STORED
                """,
                "{POSTGRES}CREATE INDEX search_doc_tsv ON search_doc USING GIN (tsv)",
            ]
        ),
        (
            "0010-alerts",
            [
                """
                CREATE TABLE subscription (
                    id {PK},
                    channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
                    address TEXT NOT NULL,
                    owner_email TEXT NOT NULL,
                    secret TEXT NOT NULL,
                    query TEXT NOT NULL,
                    topic TEXT,
                    municipality TEXT,
                    frequency TEXT NOT NULL CHECK (frequency IN ('immediate', 'daily')),
                    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed', 'disabled')),
                    failures {INT} NOT NULL,
                    cursor_id {INT} NOT NULL,
                    created_at TEXT NOT NULL,
                    confirmed_at TEXT,
                    last_sent_at TEXT,
                    disabled_reason TEXT
                )
                """,
                "CREATE INDEX subscription_by_status ON subscription (status)",
                """
                CREATE TABLE alert_digest (
                    id {PK},
                    subscription_id {INT} NOT NULL REFERENCES subscription(id),
                    items TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'abandoned')),
                    attempts {INT} NOT NULL,
                    last_error TEXT,
                    created_at TEXT NOT NULL,
                    sent_at TEXT
                )
                """,
                "CREATE INDEX alert_digest_by_subscription ON alert_digest (subscription_id, status)",
            ]
        ),
        (
            "0011-search-prefixes",
            [
                // SQLite: prefix indexes, so "energi*" reads one doclist instead of merging every
                // word that starts so; the index is rebuilt from search_doc.
                "{SQLITE}DROP TABLE search_fts",
                """
                {SQLITE}CREATE VIRTUAL TABLE search_fts USING fts5(title, analysis, parts, body, attachments,
                    content='search_doc', content_rowid='id', tokenize='klartekst_danish', prefix='3 4 5 6 7 8')
                """,
                "{SQLITE}INSERT INTO search_fts(search_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 2.0, 2.0, 1.0)')",
                "{SQLITE}INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
            ]
        ),
        (
            "0012-jobs",
            [
                // The work queue every worker claims from (row leases); times are milliseconds
                // since 1970 by the database's clock, so workers on several machines agree.
                """
                CREATE TABLE job (
                    id {PK},
                    stage TEXT NOT NULL,
                    job_key TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'dead')),
                    attempts {INT} NOT NULL,
                    max_attempts {INT} NOT NULL,
                    not_before {INT} NOT NULL,
                    lease_owner TEXT,
                    lease_until {INT},
                    last_error TEXT,
                    completions {INT} NOT NULL,
                    created_ms {INT} NOT NULL,
                    updated_ms {INT} NOT NULL,
                    started_ms {INT},
                    finished_ms {INT},
                    UNIQUE (stage, job_key)
                )
                """,
                "CREATE INDEX job_ready ON job (stage, not_before, id) WHERE status = 'queued'",
                "CREATE INDEX job_leased ON job (stage, lease_until) WHERE status = 'running'",
                "CREATE INDEX job_finished ON job (stage, finished_ms) WHERE status = 'done'",
                "CREATE INDEX job_dead ON job (stage, updated_ms) WHERE status = 'dead'",
                """
                CREATE TABLE job_failure (
                    id {PK},
                    job_id {INT} NOT NULL,
                    stage TEXT NOT NULL,
                    attempt {INT} NOT NULL,
                    owner TEXT NOT NULL,
                    error TEXT NOT NULL,
                    at_ms {INT} NOT NULL
                )
                """,
                "CREATE INDEX job_failure_by_time ON job_failure (stage, at_ms)",
                "CREATE INDEX job_failure_by_job ON job_failure (job_id)",
                """
                CREATE TABLE worker (
                    id TEXT PRIMARY KEY,
                    host TEXT NOT NULL,
                    pid {INT} NOT NULL,
                    stages TEXT NOT NULL,
                    concurrency {INT} NOT NULL,
                    started_ms {INT} NOT NULL,
                    seen_ms {INT} NOT NULL,
                    jobs_done {INT} NOT NULL,
                    jobs_failed {INT} NOT NULL,
                    backends TEXT NOT NULL
                )
                """,
            ]
        ),
        (
            "0013-blobs",
            [
                // Blobs in the database (blobs.path = database), for workers that share no folder.
                """
                CREATE TABLE blob (
                    sha256 TEXT PRIMARY KEY,
                    size {INT} NOT NULL,
                    bytes {BLOB} NOT NULL
                )
                """,
            ]
        ),
        (
            "0014-search-newest",
            [
                // PostgreSQL: the words and the item's place in time in one GIN index (btree_gin, a
                // trusted contrib extension), so "the newest matches" is one index scan over a recent
                // range of ids, intersected inside GIN, instead of every match's posting list plus a
                // heap read of each. Ids in blocks of 64 (fewer index entries per range); negated, so
                // the primary key's btree cannot answer the range and the planner keeps both
                // conditions in this index. It also serves word-only queries, so it replaces the
                // tsvector-only index. ANALYZE gives the expression statistics (autovacuum keeps them).
                "{POSTGRES}CREATE EXTENSION IF NOT EXISTS btree_gin",
                "{POSTGRES}CREATE INDEX search_doc_newest ON search_doc USING GIN ((-(id / 64)), tsv)",
                "{POSTGRES}DROP INDEX search_doc_tsv",
                "{POSTGRES}ANALYZE search_doc",
                // Keep the tsvector in the row (compressed) and move the long texts out instead:
                // matching a phrase and scoring read it for every candidate, and a TOAST fetch per
                // row doubled that. Rows written before take it when they are next re-indexed.
                "{POSTGRES}ALTER TABLE search_doc ALTER COLUMN tsv SET STORAGE MAIN",
                // Every indexed word form (lexeme), to expand a prefix ("hjemløs*") into the words it
                // stands for: GIN matches a prefix by reading all of its words' postings, an exact word
                // within the recent range only.
                "{POSTGRES}CREATE TABLE search_lexeme (lexeme TEXT COLLATE \"C\" PRIMARY KEY)",
                "{POSTGRES}INSERT INTO search_lexeme SELECT DISTINCT unnest(tsvector_to_array(tsv)) FROM search_doc ON CONFLICT DO NOTHING",
            ]
        ),
        (
            "0015-search-municipality",
            [
                // PostgreSQL: the municipality in the same GIN index, so "these words in this
                // municipality among the newest items" is answered inside the index instead of by
                // reading every match in the range to test its municipality (a common word in one of
                // 98 municipalities: 44 → 16 ms on a million items). Queries without the filter read
                // the other two columns' entries only, as before.
                "{POSTGRES}DROP INDEX search_doc_newest",
                "{POSTGRES}CREATE INDEX search_doc_newest ON search_doc USING GIN ((-(id / 64)), tsv, municipality)",
                "{POSTGRES}ANALYZE search_doc",
            ]
        ),
        (
            "0016-search-fts-municipality",
            [
                // SQLite: the municipality as a sixth FTS5 column, so a search in one municipality
                // is an intersection inside the index instead of a read of every match's row to test
                // it (hjemløse in Kalundborg on a million items: 107 ms). The index reads its columns
                // from a view that turns the slug into one token a search is not likely to make or start
                // (SearchQuery.municipalityToken); its weight in the rank is 0. Rebuilt from search_doc.
                "{SQLITE}DROP TABLE search_fts",
                """
                {SQLITE}CREATE VIEW search_fts_content AS SELECT id, title, analysis, parts, body, attachments,
                    '0' || replace(municipality, '-', '') AS municipality FROM search_doc
                """,
                """
                {SQLITE}CREATE VIRTUAL TABLE search_fts USING fts5(title, analysis, parts, body, attachments, municipality,
                    content='search_fts_content', content_rowid='id', tokenize='klartekst_danish', prefix='3 4 5 6 7 8')
                """,
                "{SQLITE}INSERT INTO search_fts(search_fts, rank) VALUES ('rank', 'bm25(10.0, 4.0, 2.0, 2.0, 1.0, 0.0)')",
                "{SQLITE}INSERT INTO search_fts(search_fts) VALUES ('rebuild')",
            ]
        ),
    ]
}
