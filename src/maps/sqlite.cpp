// sqlite:/path/to/file.cf — sqlite_table(5). The .cf file (main.cf syntax) names the
// database (dbpath, opened read-only), the query template (or the obsolete select_field /
// table / where_field / additional_conditions), result_format, domain and
// expansion_limit; other names (hosts, user, … shared with mysql/pgsql files) are ignored,
// as Postfix does. Keys are folded to lower case and SQL-quoted with sqlite3's %q. Relative
// paths (the .cf file, dbpath, domain files) resolve against the configuration directory.
#include <sqlite3.h>

#include <mutex>

#include "base/file.hpp"
#include "base/strings.hpp"
#include "config/main_cf.hpp"
#include "maps/pattern_tables.hpp"
#include "maps/sql_template.hpp"

namespace tern::maps {

namespace {

std::string sql_quote(std::string_view s) {
  std::string in(s);
  char* q = sqlite3_mprintf("%q", in.c_str());
  if (!q) return "";
  std::string out(q);
  sqlite3_free(q);
  return out;
}

// sqlite_table(5) "domain": names, /file/names holding names, and type:name tables.
class DomainFilter {
 public:
  static Result<DomainFilter> open(std::string_view list, const OpenContext& ctx) {
    DomainFilter f;
    for (const auto& item : split_list(list)) {
      if (item.front() != '/' && item.find(':') != std::string::npos) {
        auto t = open_map(item, ctx);
        if (!t) return Error{"domain: " + t.error().message};
        f.tables_.push_back(std::move(*t));
      } else if (item.front() == '/') {
        auto text = read_file(item);
        if (!text) return Error{"domain: " + text.error().message};
        for (const auto& name : split_list(*text)) f.names_.push_back(lower(name));
      } else {
        f.names_.push_back(lower(item));
      }
    }
    return f;
  }
  bool empty() const { return names_.empty() && tables_.empty(); }
  Result<bool> matches(std::string_view domain) const {
    for (const auto& n : names_)
      if (n == domain) return true;
    for (const auto& t : tables_) {
      auto r = t->find(domain);
      if (!r) return r.error();
      if (*r) return true;
    }
    return false;
  }

 private:
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<Lookup>> tables_;
};

struct SqliteSettings {
  std::string dbpath, query, result_format = "%s";
  long long expansion_limit = 0;
};

Result<SqliteSettings> settings(const config::RawParams& p, const std::string& file) {
  auto get = [&](std::string_view name) -> std::string {
    auto it = p.find(name);
    return it == p.end() ? "" : it->second.value;
  };
  SqliteSettings s;
  s.dbpath = get("dbpath");
  if (s.dbpath.empty()) return Error{file + ": missing \"dbpath\""};
  s.query = get("query");
  if (s.query.empty() && !get("table").empty()) {
    s.query = "SELECT " + get("select_field") + " FROM " + get("table") + " WHERE " +
              get("where_field") + " = '%s'";
    if (auto extra = get("additional_conditions"); !extra.empty()) s.query += " " + extra;
  }
  if (s.query.empty()) return Error{file + ": missing \"query\""};
  if (auto f = get("result_format"); !f.empty()) s.result_format = f;
  if (auto st = check_sql_template(s.query, file + ": query"); !st) return st.error();
  if (auto st = check_sql_template(s.result_format, file + ": result_format"); !st) return st.error();
  if (auto l = get("expansion_limit"); !l.empty()) {
    auto n = parse_int(l);
    if (!n || *n < 0) return Error{file + ": expansion_limit: bad number \"" + printable(l, 40) + "\""};
    s.expansion_limit = *n;
  }
  return s;
}

class SqliteMap : public Lookup {
 public:
  SqliteMap(std::string spec, sqlite3* db, SqliteSettings s, DomainFilter domains)
      : Lookup(std::move(spec)), db_(db), s_(std::move(s)), domains_(std::move(domains)) {}
  SqliteMap(const SqliteMap&) = delete;
  SqliteMap& operator=(const SqliteMap&) = delete;
  ~SqliteMap() override { sqlite3_close(db_); }

  Result<Found> find(std::string_view raw_key) const override {
    std::string key = lower(raw_key);
    if (key.find('\0') != std::string::npos) return Found();
    if (!domains_.empty()) {
      auto at = key.rfind('@');
      if (at == std::string::npos || at == 0) return Found();
      auto ok = domains_.matches(std::string_view(key).substr(at + 1));
      if (!ok) return Error{"table " + spec() + ": " + ok.error().message};
      if (!*ok) return Found();
    }
    auto sql = expand_sql_query(s_.query, key, sql_quote);
    if (!sql) return Found();
    return run(*sql, key);
  }

 private:
  Result<Found> run(const std::string& sql, const std::string& key) const {
    std::lock_guard lock(mu_);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
      return Error{"table " + spec() + ": sqlite query failed: " + sqlite3_errmsg(db_)};
    Found out;
    long long count = 0;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      std::string_view value = text ? reinterpret_cast<const char*>(text) : "";
      auto item = expand_sql_result(s_.result_format, value, key);
      if (!item) continue;
      if (s_.expansion_limit > 0 && ++count > s_.expansion_limit) {
        sqlite3_finalize(stmt);
        return Error{"table " + spec() + ": expansion limit exceeded for key \"" + printable(key, 80) + "\""};
      }
      out = out ? *out + "," + *item : *item;
    }
    std::string err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db_);
    sqlite3_finalize(stmt);
    if (!err.empty()) return Error{"table " + spec() + ": sqlite query failed: " + err};
    return out;
  }

  sqlite3* db_;
  SqliteSettings s_;
  DomainFilter domains_;
  mutable std::mutex mu_;  // one connection; sqlite3_errmsg() is per connection
};

}  // namespace

Result<std::unique_ptr<Lookup>> open_sqlite(std::string_view spec, std::string_view name,
                                            const OpenContext& ctx) {
  auto fail = [&](const std::string& why) { return Error{"table \"" + std::string(spec) + "\": " + why}; };
  std::string cf = resolve_path(ctx.config_dir, trim(name));
  auto text = read_file(cf);
  if (!text) return fail(text.error().message);
  auto params = config::parse_main_cf(*text, cf);
  if (!params) return fail(params.error().message);
  auto s = settings(*params, cf);
  if (!s) return fail(s.error().message);
  auto dom = params->find("domain");
  auto domains = DomainFilter::open(dom == params->end() ? "" : dom->second.value, ctx);
  if (!domains) return fail(cf + ": " + domains.error().message);
  s->dbpath = resolve_path(ctx.config_dir, s->dbpath);
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(s->dbpath.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  if (rc != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return fail("open database " + s->dbpath + ": " + why);
  }
  sqlite3_busy_timeout(db, 1000);
  return std::unique_ptr<Lookup>(new SqliteMap(std::string(spec), db, std::move(*s), std::move(*domains)));
}

}  // namespace tern::maps
