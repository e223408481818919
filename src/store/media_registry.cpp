#include "lumina/store/media_registry.hpp"

#include <sqlite3.h>

#include <array>
#include <memory>

namespace lumina {
namespace {

// Migration i takes the schema from version i to i + 1. Append only: a
// released migration is never edited.
constexpr std::array<const char*, MediaRegistry::kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE media (
  id            TEXT PRIMARY KEY,
  sha256        TEXT NOT NULL UNIQUE,
  name          TEXT NOT NULL,
  original_path TEXT NOT NULL,
  playable_path TEXT NOT NULL,
  sample_rate   INTEGER NOT NULL,
  channels      INTEGER NOT NULL,
  frames        INTEGER NOT NULL,
  duration      REAL NOT NULL,
  from_video    INTEGER NOT NULL,
  size          INTEGER NOT NULL,
  created       INTEGER NOT NULL,
  missing       INTEGER NOT NULL DEFAULT 0
);
)sql",
};

constexpr const char* kColumns =
    "id, sha256, name, original_path, playable_path, sample_rate, channels, frames, duration, from_video, size, "
    "created, missing";

struct StatementDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

std::string column_text(sqlite3_stmt* s, int i) {
  const auto* text = sqlite3_column_text(s, i);
  return text ? std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(s, i)))
              : std::string();
}

RegistryError::Kind kind_of(int sqlite_code) {
  switch (sqlite_code & 0xff) {  // the primary code of an extended one
    case SQLITE_FULL:
    case SQLITE_IOERR:
      return RegistryError::Kind::kDiskFull;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return RegistryError::Kind::kBusy;
    default:
      return RegistryError::Kind::kOther;
  }
}

}  // namespace

MediaRegistry::MediaRegistry(const std::filesystem::path& db_path) : path_(db_path) {
  const int rc = sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    const std::string reason = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw RegistryError("cannot open the media registry " + path_.string() + ": " + reason, kind_of(rc));
  }
  try {
    sqlite3_busy_timeout(db_, 5000);
    exec("PRAGMA journal_mode=WAL");
    // FULL: a committed row survives power loss, not only a crash.
    exec("PRAGMA synchronous=FULL");
    exec("PRAGMA foreign_keys=ON");
    const int version = schema_version();
    if (version > kSchemaVersion) {
      throw RegistryError(path_.string() + " has schema version " + std::to_string(version) +
                              ", newer than this luminad understands (" + std::to_string(kSchemaVersion) + ")",
                          RegistryError::Kind::kOther);
    }
    if (version < kSchemaVersion) {
      exec("BEGIN IMMEDIATE");
      try {
        for (int v = version; v < kSchemaVersion; ++v) exec(kMigrations[static_cast<std::size_t>(v)]);
        exec(("PRAGMA user_version=" + std::to_string(kSchemaVersion)).c_str());
        exec("COMMIT");
      } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
      }
    }
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

MediaRegistry::~MediaRegistry() { sqlite3_close(db_); }

void MediaRegistry::fail(const std::string& what) {
  const int code = sqlite3_extended_errcode(db_);
  throw RegistryError("media registry " + path_.string() + ": " + what + ": " + sqlite3_errmsg(db_), kind_of(code));
}

void MediaRegistry::exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string reason = error ? error : "unknown error";
    sqlite3_free(error);
    const int code = sqlite3_extended_errcode(db_);
    throw RegistryError("media registry " + path_.string() + ": " + reason, kind_of(code));
  }
}

int MediaRegistry::schema_version() {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &raw, nullptr) != SQLITE_OK) fail("reading user_version");
  Statement s(raw);
  return sqlite3_step(s.get()) == SQLITE_ROW ? sqlite3_column_int(s.get(), 0) : 0;
}

bool MediaRegistry::insert(const MediaRecord& r) {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* raw = nullptr;
  const std::string sql = std::string("INSERT INTO media (") + kColumns + ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)";
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) fail("preparing insert");
  Statement s(raw);
  sqlite3_bind_text(raw, 1, r.id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 2, r.sha256.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 3, r.name.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 4, r.original_path.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(raw, 5, r.playable_path.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(raw, 6, r.sample_rate);
  sqlite3_bind_int64(raw, 7, r.channels);
  sqlite3_bind_int64(raw, 8, static_cast<sqlite3_int64>(r.frames));
  sqlite3_bind_double(raw, 9, r.duration);
  sqlite3_bind_int(raw, 10, r.from_video ? 1 : 0);
  sqlite3_bind_int64(raw, 11, static_cast<sqlite3_int64>(r.size));
  sqlite3_bind_int64(raw, 12, r.created);
  sqlite3_bind_int(raw, 13, r.missing ? 1 : 0);
  const int rc = sqlite3_step(raw);
  if (rc == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_CONSTRAINT) return false;
  if (rc != SQLITE_DONE) fail("inserting " + r.id);
  return true;
}

std::vector<MediaRecord> MediaRegistry::query(const char* where, const std::string& arg) {
  std::lock_guard lock(mutex_);
  const std::string sql = std::string("SELECT ") + kColumns + " FROM media " + where;
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) fail("preparing query");
  Statement s(raw);
  if (sqlite3_bind_parameter_count(raw) > 0) sqlite3_bind_text(raw, 1, arg.c_str(), -1, SQLITE_TRANSIENT);
  std::vector<MediaRecord> out;
  int rc = 0;
  while ((rc = sqlite3_step(raw)) == SQLITE_ROW) {
    MediaRecord r;
    r.id = column_text(raw, 0);
    r.sha256 = column_text(raw, 1);
    r.name = column_text(raw, 2);
    r.original_path = column_text(raw, 3);
    r.playable_path = column_text(raw, 4);
    r.sample_rate = static_cast<std::uint32_t>(sqlite3_column_int64(raw, 5));
    r.channels = static_cast<std::uint32_t>(sqlite3_column_int64(raw, 6));
    r.frames = static_cast<std::uint64_t>(sqlite3_column_int64(raw, 7));
    r.duration = sqlite3_column_double(raw, 8);
    r.from_video = sqlite3_column_int(raw, 9) != 0;
    r.size = static_cast<std::uint64_t>(sqlite3_column_int64(raw, 10));
    r.created = sqlite3_column_int64(raw, 11);
    r.missing = sqlite3_column_int(raw, 12) != 0;
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) fail("reading rows");
  return out;
}

std::vector<MediaRecord> MediaRegistry::list(bool include_missing) {
  return query(include_missing ? "ORDER BY created, rowid" : "WHERE missing = 0 ORDER BY created, rowid", {});
}

std::optional<MediaRecord> MediaRegistry::find_by_id(const std::string& id) {
  auto rows = query("WHERE id = ?", id);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

std::optional<MediaRecord> MediaRegistry::find_by_sha256(const std::string& sha256) {
  auto rows = query("WHERE sha256 = ?", sha256);
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

bool MediaRegistry::remove(const std::string& id) {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "DELETE FROM media WHERE id = ?", -1, &raw, nullptr) != SQLITE_OK) fail("preparing delete");
  Statement s(raw);
  sqlite3_bind_text(raw, 1, id.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(raw) != SQLITE_DONE) fail("deleting " + id);
  return sqlite3_changes(db_) > 0;
}

void MediaRegistry::set_missing(const std::string& id, bool missing) {
  std::lock_guard lock(mutex_);
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db_, "UPDATE media SET missing = ? WHERE id = ?", -1, &raw, nullptr) != SQLITE_OK)
    fail("preparing update");
  Statement s(raw);
  sqlite3_bind_int(raw, 1, missing ? 1 : 0);
  sqlite3_bind_text(raw, 2, id.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(raw) != SQLITE_DONE) fail("updating " + id);
}

}  // namespace lumina
