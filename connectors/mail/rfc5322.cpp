#include "connectors/mail/rfc5322.hpp"

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

// Header values must be one line; a non-ASCII subject is sent as an RFC 2047 encoded-word.
std::string header_value(const std::string& s) {
    std::string one_line;
    for (char c : s) one_line += (c == '\r' || c == '\n') ? ' ' : c;
    if (is_ascii(one_line)) return one_line;
    static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out = "=?UTF-8?B?";
    std::size_t i = 0;
    for (; i + 2 < one_line.size(); i += 3) {
        unsigned v = (unsigned char)one_line[i] << 16 | (unsigned char)one_line[i + 1] << 8 |
                     (unsigned char)one_line[i + 2];
        out += {b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], b64[v & 63]};
    }
    if (i + 1 == one_line.size()) {
        unsigned v = (unsigned char)one_line[i] << 16;
        out += {b64[v >> 18], b64[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == one_line.size()) {
        unsigned v = (unsigned char)one_line[i] << 16 | (unsigned char)one_line[i + 1] << 8;
        out += {b64[v >> 18], b64[(v >> 12) & 63], b64[(v >> 6) & 63], '='};
    }
    return out + "?=";
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

}  // namespace

std::string message_id(const Alert& alert, const Envelope& env) {
    return "<alert-" + std::to_string(alert.id) + "." + env.practice_ods + "@gpwatch.invalid>";
}

std::string format_message(const Alert& alert, const Envelope& env) {
    std::string m;
    m += "Date: " + rfc5322_date(alert.created_at) + "\r\n";
    m += "From: gpwatch <" + env.from + ">\r\n";
    m += "To: " + env.to + "\r\n";
    m += "Subject: " + header_value(alert.subject) + "\r\n";
    m += "Message-ID: " + message_id(alert, env) + "\r\n";
    m += "MIME-Version: 1.0\r\n";
    m += "Content-Type: text/plain; charset=utf-8\r\n";
    m += "Content-Transfer-Encoding: 8bit\r\n";
    if (alert.severity == Severity::urgent) m += "Importance: high\r\nX-Priority: 1\r\n";
    m += std::string("X-Gpwatch-Reason: ") + to_string(alert.reason) + "\r\n";
    m += std::string("X-Gpwatch-Severity: ") + to_string(alert.severity) + "\r\n";
    m += "X-Gpwatch-Alert-Id: " + std::to_string(alert.id) + "\r\n";
    m += "X-Gpwatch-Write-Id: " + std::to_string(alert.write_id) + "\r\n";
    m += "\r\n";
    m += crlf(alert.body);
    return m;
}

}  // namespace gpwatch::mail
