// The coroutine form of verification: key lookups through Resolver::start() on an
// io_context, answers posted back later, as the event loop will run it.
#include "dkim/verify_await.hpp"

#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "dns/memory_resolver.hpp"

namespace tern::dkim {
namespace {

TEST(DkimVerifyAwait, VerifiesOnAnEventLoop) {
  std::string data = std::string(TERN_SOURCE_DIR) + "/tests/data/dkimpy-data/";
  asio::io_context io;
  dns::MemoryResolver r([&io](std::function<void()> f) { asio::post(io, std::move(f)); });
  r.add_txt("brisbane._domainkey.football.example.com", {"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="});
  r.fail("test._domainkey.football.example.com", dns::Type::TXT);
  std::FILE* f = std::fopen((data + "rfc6376.signed.msg").c_str(), "rb");
  ASSERT_NE(f, nullptr);
  std::string msg;
  for (int c; (c = std::fgetc(f)) != EOF;) msg += char(c);
  std::fclose(f);
  std::vector<SignatureResult> got;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { got = co_await async_verify_message(r, msg, {}); },
                 asio::detached);
  io.run();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].result, Outcome::pass) << got[0].reason;
  EXPECT_EQ(got[1].result, Outcome::temperror);
  EXPECT_EQ(r.queries(), 2u);
}

}  // namespace
}  // namespace tern::dkim
