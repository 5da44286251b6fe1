// A message as a delivery agent hands it on (Postfix's mail_copy): optional envelope lines
// in front ("From sender  date", Return-Path:, X-Original-To:, Delivered-To:), the queued
// content with its line ends turned into `eol`, lines starting with "From " quoted with
// '>' and lines starting with '.' doubled when asked, and an optional blank line at the
// end. The pipe agent writes it to a command's stdin; mbox delivery appends it to a file.
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace tern::delivery {

struct CopyOptions {
  std::optional<std::string> from_line;    // sender for "From sender  Www Mmm dd hh:mm:ss yyyy"
  std::optional<std::string> return_path;  // sender for "Return-Path: <sender>"
  std::optional<std::string> original_to;  // "X-Original-To: address"
  std::optional<std::string> delivered_to; // "Delivered-To: address" (lower-cased, as Postfix)
  std::string eol = "\n";
  bool quote_from = false;  // ">From " for lines starting with "From "
  bool dot = false;         // ".." for lines starting with "."
  bool blank = false;       // an empty line after the message
  std::time_t now = 0;      // the From_ line's time (local time, asctime layout)
};

// `content` has LF line ends (the queue's form); a missing final LF is supplied.
std::string mail_copy(std::string_view content, const CopyOptions& opt);

// The asctime(3) layout Postfix uses in From_ lines: "Sat Jan  1 00:00:00 2022".
std::string from_line_time(std::time_t t);

// Does the header section of `content` hold "Delivered-To: address" (case-insensitive)?
// pipe's D flag and virtual(8) bounce such mail as a forwarding loop.
bool has_delivered_to(std::string_view content, std::string_view address);

}  // namespace tern::delivery
