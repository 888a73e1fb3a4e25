import type Database from 'better-sqlite3';

/**
 * Schema migrations, applied in order inside one transaction; `PRAGMA user_version` records how
 * many ran. A database written by a newer Peapod (higher version) is refused, not guessed at.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE objects (
     resource  TEXT NOT NULL,
     namespace TEXT NOT NULL,
     name      TEXT NOT NULL,
     uid       TEXT NOT NULL,
     rv        INTEGER NOT NULL,
     body      TEXT NOT NULL,
     PRIMARY KEY (resource, namespace, name)
   ) WITHOUT ROWID;
   CREATE TABLE meta (
     key   TEXT PRIMARY KEY,
     value TEXT NOT NULL
   ) WITHOUT ROWID;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `peapod store: database schema version ${current} is newer than this hub understands (${SCHEMA_VERSION})`,
    );
  }
  if (current === SCHEMA_VERSION) return;
  db.transaction(() => {
    for (let version = current; version < SCHEMA_VERSION; version++) db.exec(MIGRATIONS[version]);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
}
