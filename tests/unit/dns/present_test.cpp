// Presentation form of record data (dns/present.hpp): each type as dig writes it, TXT bytes
// escaped so the text stays printable, malformed data an error rather than a guess.
#include "dns/present.hpp"

#include <gtest/gtest.h>

#include "dns/rdata.hpp"

namespace tern::dns {
namespace {

TEST(Present, EachType) {
  EXPECT_EQ(*present(Type::A, encode_address(*IpAddress::parse("192.0.2.1"))), "192.0.2.1");
  EXPECT_EQ(*present(Type::AAAA, encode_address(*IpAddress::parse("2001:db8::1"))), "2001:db8::1");
  EXPECT_EQ(*present(Type::MX, *encode_mx(10, "mx.example.test")), "10 mx.example.test.");
  EXPECT_EQ(*present(Type::MX, *encode_mx(0, ".")), "0 .");
  EXPECT_EQ(*present(Type::PTR, *encode_name("mail.example.test")), "mail.example.test.");
  EXPECT_EQ(*present(Type::TXT, *encode_txt({"v=spf1 ", "-all"})), "\"v=spf1 \" \"-all\"");
  EXPECT_EQ(*present(Type::TLSA, encode_tlsa({3, 1, 1, std::string("\xab\x01", 2)})), "3 1 1 ab01");
}

TEST(Present, TxtEscapesWhatIsNotPrintable) {
  EXPECT_EQ(*present(Type::TXT, *encode_txt({std::string("a\"b\\c\n\xff", 7)})), "\"a\\\"b\\\\c\\010\\255\"");
}

TEST(Present, MalformedDataIsAnError) {
  EXPECT_FALSE(present(Type::A, "abc").ok());
  EXPECT_FALSE(present(Type::AAAA, std::string(4, '\0')).ok());
  EXPECT_FALSE(present(Type::MX, std::string("\0\x0a\x03mx", 5)).ok());
  EXPECT_FALSE(present(Type::PTR, std::string("\xc0\x0c", 2)).ok());  // compression pointer
  EXPECT_FALSE(present(Type::TXT, std::string("\x05" "abc", 4)).ok());
  EXPECT_FALSE(present(Type::TXT, "").ok());
  EXPECT_FALSE(present(Type::TLSA, "\x03\x01").ok());
}

}  // namespace
}  // namespace tern::dns
