// Ticket key callback (SSL_CTX_set_tlsext_ticket_key_evp_cb) over keys shared by every
// context a ServerContext builds.
#include "tls/tickets.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstring>

namespace tern::tls {
namespace {

int ex_index() {
  static const int idx = SSL_CTX_get_ex_new_index(
      0, nullptr, nullptr, nullptr,
      [](void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
        delete static_cast<std::shared_ptr<TicketKeys>*>(ptr);
      });
  return idx;
}

bool init_mac(EVP_MAC_CTX* hctx, const unsigned char* key, size_t len) {
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  return EVP_MAC_init(hctx, key, len, params) == 1;
}

}  // namespace

void TicketKeys::install(SSL_CTX* ctx, std::shared_ptr<TicketKeys> keys) {
  SSL_CTX_set_ex_data(ctx, ex_index(), new std::shared_ptr<TicketKeys>(std::move(keys)));
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, &TicketKeys::callback);
}

int TicketKeys::callback(SSL* ssl, unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cctx,
                         EVP_MAC_CTX* hctx, int enc) {
  auto* holder = static_cast<std::shared_ptr<TicketKeys>*>(
      SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ex_index()));
  if (!holder || !*holder) return enc ? -1 : 0;
  TicketKeys& k = **holder;
  std::lock_guard lock(k.mu_);
  return enc ? k.encrypt(name, iv, cctx, hctx) : k.decrypt(name, iv, cctx, hctx);
}

bool TicketKeys::rotate_if_due() {
  auto now = std::chrono::steady_clock::now();
  if (current_ && now - current_->created < lifetime_) return true;
  Key k;
  if (RAND_bytes(k.name.data(), int(k.name.size())) != 1 ||
      RAND_priv_bytes(k.aes.data(), int(k.aes.size())) != 1 ||
      RAND_priv_bytes(k.hmac.data(), int(k.hmac.size())) != 1)
    return false;
  k.created = now;
  previous_ = current_;
  current_ = k;
  return true;
}

int TicketKeys::encrypt(unsigned char* name, unsigned char* iv, EVP_CIPHER_CTX* cctx,
                        EVP_MAC_CTX* hctx) {
  if (!rotate_if_due()) return -1;
  const EVP_CIPHER* cipher = EVP_aes_256_cbc();
  int ivlen = EVP_CIPHER_get_iv_length(cipher);
  if (RAND_bytes(iv, ivlen) != 1) return -1;
  std::memcpy(name, current_->name.data(), current_->name.size());
  if (EVP_EncryptInit_ex(cctx, cipher, nullptr, current_->aes.data(), iv) != 1) return -1;
  return init_mac(hctx, current_->hmac.data(), current_->hmac.size()) ? 1 : -1;
}

int TicketKeys::decrypt(const unsigned char* name, const unsigned char* iv,
                        EVP_CIPHER_CTX* cctx, EVP_MAC_CTX* hctx) {
  const Key* k = nullptr;
  bool renew = false;
  if (current_ && std::memcmp(name, current_->name.data(), 16) == 0) {
    k = &*current_;
  } else if (previous_ && std::memcmp(name, previous_->name.data(), 16) == 0) {
    k = &*previous_;
    renew = true;
  }
  // Unknown or expired key: a full handshake. Old keys expire one lifetime after rotation.
  if (!k || std::chrono::steady_clock::now() - k->created >= 2 * lifetime_) return 0;
  if (!init_mac(hctx, k->hmac.data(), k->hmac.size())) return -1;
  if (EVP_DecryptInit_ex(cctx, EVP_aes_256_cbc(), nullptr, k->aes.data(), iv) != 1) return -1;
  return renew ? 2 : 1;
}

}  // namespace tern::tls
