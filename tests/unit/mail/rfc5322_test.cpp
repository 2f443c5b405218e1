// Threading and digest headers of connectors/mail/rfc5322 (the basics are in maildir_sink_test).

#include "connectors/mail/rfc5322.hpp"

#include <gtest/gtest.h>

using namespace gpwatch;

namespace {

Alert base() {
    Alert a;
    a.id = 12;
    a.write_id = 7;
    a.subject = "s";
    a.body = "b\n";
    a.created_at = 1'778'492'527;
    return a;
}

const mail::Envelope env{"f@x.nhs.net", "t@x.nhs.net", "C84001"};

}  // namespace

TEST(Rfc5322Threading, FollowUpCarriesInReplyToAndReferences) {
    auto a = base();
    a.in_reply_to_alert = mail::bare_message_id(9, "", "C84001");
    EXPECT_EQ(a.in_reply_to_alert, "alert-9.C84001@gpwatch.invalid");
    const auto m = mail::format_message(a, env);
    EXPECT_NE(m.find("In-Reply-To: <alert-9.C84001@gpwatch.invalid>\r\n"), std::string::npos);
    EXPECT_NE(m.find("References: <alert-9.C84001@gpwatch.invalid>\r\n"), std::string::npos);
    EXPECT_EQ(mail::message_id(base(), env), "<alert-12.C84001@gpwatch.invalid>");
}

TEST(Rfc5322Threading, NoThreadHeadersForAFirstAlert) {
    const auto m = mail::format_message(base(), env);
    EXPECT_EQ(m.find("In-Reply-To"), std::string::npos);
    EXPECT_EQ(m.find("References"), std::string::npos);
    EXPECT_NE(m.find("X-Gpwatch-Kind: write\r\n"), std::string::npos);
    EXPECT_NE(m.find("X-Gpwatch-Write-Id: 7\r\n"), std::string::npos);
}

TEST(Rfc5322Threading, AParentIdCannotInjectHeaders) {
    auto a = base();
    a.in_reply_to_alert = "alert-9@x>\r\nBcc: someone@evil <";
    const auto m = mail::format_message(a, env);
    EXPECT_EQ(m.find("\r\nBcc:"), std::string::npos);
    EXPECT_NE(m.find("In-Reply-To: <alert-9@xBcc:someone@evil>\r\n"), std::string::npos);
}

TEST(Rfc5322Digest, ADigestListsTheAlertsItGathersAndInternalAlertsHaveNoWrite) {
    auto a = base();
    a.kind = "digest";
    a.write_id = 0;
    a.covers = {3, 4, 5};
    const auto m = mail::format_message(a, env);
    EXPECT_NE(m.find("X-Gpwatch-Kind: digest\r\n"), std::string::npos);
    EXPECT_NE(m.find("X-Gpwatch-Covers: 3, 4, 5\r\n"), std::string::npos);
    EXPECT_EQ(m.find("X-Gpwatch-Write-Id"), std::string::npos);
}

namespace {

std::string unbase64(const std::string& in) {
    static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    unsigned buffer = 0;
    int bits = 0;
    for (char c : in) {
        if (c == '=') break;
        buffer = (buffer << 6) | static_cast<unsigned>(alphabet.find(c));
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((buffer >> bits) & 0xFF);
        }
    }
    return out;
}

bool valid_utf8(const std::string& s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        const std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

}  // namespace

// A long Welsh/accented organisation name in the subject: RFC 2047 allows 75 characters per
// encoded-word, and a word must decode on its own (no UTF-8 character split across two).
TEST(Rfc5322Subject, LongNonAsciiSubjectIsFoldedIntoWholeCharacterWords) {
    auto a = base();
    a.subject = "[URGENT] Unauthorised write by Ysbyty Gwynedd – Bangor (Betsi Cadwaladr University Health "
                "Board), Gofal Cymunedol, Meddygfa’r Llan – séance d’essai ✓";
    const auto m = mail::format_message(a, env);
    const auto start = m.find("Subject: ");
    ASSERT_NE(start, std::string::npos);
    // The header runs until a line that does not start with white space.
    std::size_t end = start;
    while (true) {
        end = m.find("\r\n", end);
        if (m[end + 2] != ' ') break;
        end += 2;
    }
    const std::string header = m.substr(start + 9, end - start - 9);
    std::string decoded;
    std::size_t lines = 0, pos = 0;
    while (pos < header.size()) {
        std::size_t eol = header.find("\r\n ", pos);
        if (eol == std::string::npos) eol = header.size();
        const std::string word = header.substr(pos, eol - pos);
        ++lines;
        EXPECT_LE(word.size(), 75u) << word;
        EXPECT_LE(word.size() + (lines == 1 ? 9 : 1), 78u) << "header line too long: " << word;
        ASSERT_EQ(word.rfind("=?UTF-8?B?", 0), 0u) << word;
        ASSERT_EQ(word.substr(word.size() - 2), "?=");
        const std::string text = unbase64(word.substr(10, word.size() - 12));
        EXPECT_TRUE(valid_utf8(text)) << "a character was split between encoded-words";
        decoded += text;
        pos = eol == header.size() ? eol : eol + 3;
    }
    EXPECT_GT(lines, 2u);
    EXPECT_EQ(decoded, a.subject);
}

TEST(Rfc5322Headers, ALongAsciiFieldIsFoldedAtSpacesUnder78Characters) {
    Alert a;
    a.id = 900;
    a.kind = "digest";
    a.subject = "[URGENT] gpwatch digest: 877 alerts at once (199 urgent, 678 high) and a long subject to fold";
    for (int i = 1; i <= 877; ++i) a.covers.push_back(i);
    a.body = "x";
    const auto m = mail::format_message(a, {"f@x.nhs.net", "t@x.nhs.net", "C84001"});
    const auto head = m.substr(0, m.find("\r\n\r\n"));
    std::size_t pos = 0;
    std::string unfolded;
    while (pos <= head.size()) {
        auto end = head.find("\r\n", pos);
        if (end == std::string::npos) end = head.size();
        const auto line = head.substr(pos, end - pos);
        EXPECT_LE(line.size(), 78u) << "header line too long: " << line.substr(0, 90);
        unfolded += (line.front() == ' ' ? "" : "\n") + line;
        pos = end + 2;
    }
    unfolded += "\n";
    // Unfolded, the fields say what they said.
    std::string covers;
    for (int i = 1; i <= 877; ++i) covers += (i > 1 ? ", " : "") + std::to_string(i);
    EXPECT_NE(unfolded.find("\nX-Gpwatch-Covers: " + covers + "\n"), std::string::npos);
    EXPECT_NE(unfolded.find("\nSubject: " + a.subject + "\n"), std::string::npos);
}
