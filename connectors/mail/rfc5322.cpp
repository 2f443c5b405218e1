#include "connectors/mail/rfc5322.hpp"

#include <algorithm>
#include <ctime>

namespace gpwatch::mail {

namespace {

// RFC 5322 date-time in UTC, e.g. "Mon, 11 May 2026 09:42:07 +0000".
std::string rfc5322_date(std::int64_t unix_seconds) {
    std::time_t t = static_cast<std::time_t>(unix_seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buf;
}

bool is_ascii(const std::string& s) {
    for (unsigned char c : s)
        if (c >= 0x80) return false;
    return true;
}

std::string base64(const std::string& in) {
    static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
        out += {b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], b64[v & 63]};
    }
    if (i + 1 == in.size()) {
        unsigned v = (unsigned char)in[i] << 16;
        out += {b64[v >> 18], b64[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == in.size()) {
        unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
        out += {b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], '='};
    }
    return out;
}

// One header field, "Name: value" without the line end. Values must be one line; a non-ASCII
// value is sent as RFC 2047 encoded-words. Each word stays within RFC 2047's 75 characters and
// holds whole UTF-8 characters only (a mail client decodes each word on its own); the words are
// folded onto continuation lines so that no header line grows past 78 characters, the first
// line included ("Subject: " takes its share).
// An ASCII field folded at spaces so that no line passes 78 characters where a space allows it
// (RFC 5322 2.2.3); SMTP servers refuse lines over 998 (a digest's X-Gpwatch-Covers of
// hundreds of ids). A word longer than a line is left whole.
std::string folded(const std::string& name, const std::string& value) {
    constexpr std::size_t kLine = 78;
    std::string out = name + ":";
    std::size_t line_len = out.size();
    std::size_t i = 0;
    while (i < value.size()) {
        // The next word, with the space before it (the first has the one after the colon).
        const std::size_t start = i;
        std::size_t end = value.find(' ', i + 1);
        if (end == std::string::npos) end = value.size();
        std::string word = (start == 0 ? " " : "") + value.substr(start, end - start);
        if (line_len + word.size() > kLine && line_len > name.size() + 1 && word.front() == ' ') {
            out += "\r\n";  // the word's own space starts the continuation line
            line_len = 0;
        }
        out += word;
        line_len += word.size();
        i = end;
    }
    return out;
}

std::string header(const std::string& name, const std::string& value) {
    std::string one_line;
    for (char c : value) one_line += (c == '\r' || c == '\n') ? ' ' : c;
    if (is_ascii(one_line)) return folded(name, one_line);
    constexpr std::size_t kLine = 78, kWordOverhead = 12;  // "=?UTF-8?B?" + "?="
    // Bytes of text per word: base64 turns 3 bytes into 4 characters.
    const auto bytes_for = [](std::size_t room) { return room > kWordOverhead ? (room - kWordOverhead) / 4 * 3 : 3; };
    const std::size_t first_chunk = bytes_for(kLine - std::min(kLine - 16, name.size() + 2));
    const std::size_t next_chunk = std::min<std::size_t>(45, bytes_for(kLine - 1));  // 45 -> a 72-character word
    std::string out = name + ": ";
    std::size_t i = 0;
    while (i < one_line.size()) {
        const std::size_t chunk = i == 0 ? first_chunk : next_chunk;
        std::size_t end = std::min(one_line.size(), i + chunk);
        // Back off to the start of a character: never cut between a lead byte and its
        // continuation bytes (10xxxxxx).
        while (end < one_line.size() && end > i && (static_cast<unsigned char>(one_line[end]) & 0xC0) == 0x80) --end;
        if (end == i) end = std::min(one_line.size(), i + chunk);  // not UTF-8 at all: cut anyway
        if (i != 0) out += "\r\n ";
        out += "=?UTF-8?B?" + base64(one_line.substr(i, end - i)) + "?=";
        i = end;
    }
    return out;
}

// Bodies use CRLF line ends, as RFC 5322 requires.
std::string crlf(const std::string& text) {
    std::string out;
    out.reserve(text.size() + text.size() / 40);
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
        out += text[i];
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    return out;
}

// A Message-ID is an addr-spec inside <>; anything that could break out of it (brackets, spaces,
// line breaks) is dropped, so a bad value can neither inject a header nor split one.
std::string msg_id_text(const std::string& s) {
    std::string out;
    for (unsigned char c : s)
        if (c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != '"' && c != '\\') out += static_cast<char>(c);
    return out;
}

std::string join_ids(const std::vector<std::int64_t>& ids) {
    std::string out;
    for (auto id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
    return out;
}

}  // namespace

std::string bare_message_id(std::int64_t alert_id, const std::string& ledger_id, const std::string& practice_ods) {
    const std::string ledger = msg_id_text(ledger_id);
    return "alert-" + std::to_string(alert_id) + "." + (ledger.empty() ? "" : ledger + ".") + msg_id_text(practice_ods) +
           "@gpwatch.invalid";
}

std::string message_id(const Alert& alert, const Envelope& env) {
    return "<" + bare_message_id(alert.id, alert.ledger_id, env.practice_ods) + ">";
}

std::string format_message(const Alert& alert, const Envelope& env) {
    std::string m;
    m += "Date: " + rfc5322_date(alert.created_at) + "\r\n";
    m += "From: gpwatch <" + env.from + ">\r\n";
    m += "To: " + env.to + "\r\n";
    m += header("Subject", alert.subject) + "\r\n";
    m += "Message-ID: " + message_id(alert, env) + "\r\n";
    // A follow-up threads under its write's first alert, in every mail client. When that alert
    // reached this inbox inside a digest, the digest is the message the inbox holds: the reply
    // names it, and References names both.
    if (const auto parent = msg_id_text(alert.in_reply_to_alert); !parent.empty()) {
        const auto carrier = msg_id_text(alert.reply_carrier);
        m += "In-Reply-To: <" + (carrier.empty() ? parent : carrier) + ">\r\n";
        m += "References: <" + parent + ">" + (carrier.empty() ? "" : " <" + carrier + ">") + "\r\n";
    }
    m += "MIME-Version: 1.0\r\n";
    m += "Content-Type: text/plain; charset=utf-8\r\n";
    m += "Content-Transfer-Encoding: 8bit\r\n";
    if (alert.severity == Severity::urgent) m += "Importance: high\r\nX-Priority: 1\r\n";
    m += header("X-Gpwatch-Reason", reason_name(alert)) + "\r\n";
    m += std::string("X-Gpwatch-Severity: ") + to_string(alert.severity) + "\r\n";
    m += "X-Gpwatch-Alert-Id: " + std::to_string(alert.id) + "\r\n";
    m += header("X-Gpwatch-Kind", alert.kind) + "\r\n";
    if (alert.write_id != 0) m += "X-Gpwatch-Write-Id: " + std::to_string(alert.write_id) + "\r\n";
    if (!alert.covers.empty()) m += header("X-Gpwatch-Covers", join_ids(alert.covers)) + "\r\n";
    m += "\r\n";
    m += crlf(alert.body);
    return m;
}

}  // namespace gpwatch::mail
