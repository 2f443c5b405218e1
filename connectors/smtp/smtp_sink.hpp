#pragma once
// SmtpSink: each alert submitted as one RFC 5322 message (connectors/mail/rfc5322) to the duty
// inbox by SMTP submission, e.g. NHSmail's smtp://send.nhs.net:587 with STARTTLS and XOAUTH2.
//
// TLS is never optional: smtp:// URLs must upgrade with STARTTLS (the message is never sent in
// clear), smtps:// is TLS from the first byte. The server's certificate and host name are
// verified. Passwords and OAuth tokens are read from their files at each delivery, so a token
// refreshed on disk is used at once. Nothing this sink logs carries an NHS number; the message
// body may (the duty inbox is inside the NHS).

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "connectors/mail/rfc5322.hpp"
#include "proto/alert_sink.hpp"

namespace gpwatch::smtp {

enum class SmtpAuth {
    none,     // no AUTH (a relay that trusts the connection); only for test or local relays
    plain,    // AUTH PLAIN with username + password
    login,    // AUTH LOGIN with username + password
    xoauth2,  // AUTH XOAUTH2 with username + OAuth 2.0 access token (NHSmail since 2025)
};

struct SmtpOptions {
    std::string url;                // smtp://host[:587] (STARTTLS required) or smtps://host[:465]
    std::string from;               // envelope sender and From: address
    std::vector<std::string> to;    // one or more recipients (the duty inbox); all must be accepted
    std::string practice_ods;       // makes Message-IDs unique across practices
    SmtpAuth auth = SmtpAuth::plain;
    std::string username;           // plain, login, xoauth2
    std::string password;           // plain, login: the password itself, or ...
    std::string password_file;      // ... a file holding it (or "credential:NAME"), read each time
    std::string oauth2_token_file;  // xoauth2: file with the access token (or "credential:NAME"),
                                    // read at each delivery
    std::string ca_file;            // PEM file of CAs to trust; empty: the system's trust store
    std::chrono::seconds connect_timeout{15};
    std::chrono::seconds total_timeout{60};  // the whole submission of one message
};

// Checks the options without connecting; returns the first problem in words naming the option
// (e.g. "smtp url must start with smtp:// or smtps://"), or "" when they are usable.
std::string check_options(const SmtpOptions& options);

class SmtpSink : public AlertSink {
public:
    // Throws std::invalid_argument with check_options()'s words when the options are not usable.
    explicit SmtpSink(SmtpOptions options);
    const char* name() const override { return "smtp"; }
    // One SMTP transaction per call. The Message-ID is fixed per alert id, so a resend after a
    // lost reply is recognisable as the same message (mail clients show one). Failures are
    // classified by smtp::classify (smtp_failure.hpp).
    DeliveryResult deliver(const Alert& alert) override;
    // A submission in progress stops within about a second, as retryable; later ones fail at once.
    void cancel() override { cancelled_.store(true); }

    // The exact bytes deliver() submits for `alert` (CRLF line ends).
    std::string message_for(const Alert& alert) const;

private:
    SmtpOptions options_;
    mail::Envelope envelope_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace gpwatch::smtp
