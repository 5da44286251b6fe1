// Session-ticket keys owned by the server, not by one SSL_CTX, so tickets issued before a
// certificate reload still resume afterwards. Keys are random, rotated once per
// smtpd_tls_session_cache_timeout; the previous key still decrypts (and asks the client
// to take a fresh ticket), like Postfix's tlsmgr. Tickets use AES-256-CBC + HMAC-SHA256.
#pragma once
#include <openssl/ssl.h>

#include <array>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>

namespace tern::tls {

class TicketKeys {
 public:
  explicit TicketKeys(std::chrono::seconds lifetime) : lifetime_(lifetime) {}

  // Makes `ctx` encrypt and decrypt tickets with these keys; the context keeps `keys`
  // alive for as long as it exists.
  static void install(SSL_CTX* ctx, std::shared_ptr<TicketKeys> keys);

 private:
  struct Key {
    std::array<unsigned char, 16> name{};
    std::array<unsigned char, 32> aes{};
    std::array<unsigned char, 32> hmac{};
    std::chrono::steady_clock::time_point created;
  };

  static int callback(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cctx,
                      EVP_MAC_CTX* hctx, int enc);
  int encrypt(unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cctx, EVP_MAC_CTX* hctx);
  int decrypt(const unsigned char* name, const unsigned char* iv, EVP_CIPHER_CTX* cctx,
              EVP_MAC_CTX* hctx);
  bool rotate_if_due();

  std::chrono::seconds lifetime_;
  std::mutex mu_;
  std::optional<Key> current_, previous_;
};

}  // namespace tern::tls
