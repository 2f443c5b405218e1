#include "daemon/alerts/sink_factory.hpp"

#include <stdexcept>

#include "connectors/mail/maildir_sink.hpp"
#include "connectors/smtp/smtp_sink.hpp"
#include "connectors/task/task_sink.hpp"
#include "connectors/webhook/webhook_sink.hpp"

namespace gpwatch::alerts {

namespace {

std::unique_ptr<AlertSink> build(const Settings& st, const SinkSettings& s) {
    if (s.type == "maildir") {
        // Whatever the sink leaves empty is the duty inbox's (duty_inbox:, after --state-dir).
        const std::string dir = s.maildir.empty() ? st.duty_inbox.maildir : s.maildir;
        std::string to;
        for (const auto& t : s.to) to += (to.empty() ? "" : ", ") + t;
        if (to.empty()) to = st.duty_inbox.to;
        return std::make_unique<mail::MaildirSink>(
            dir, mail::Envelope{s.from.empty() ? st.duty_inbox.from : s.from, to, st.practice_ods});
    }
    if (s.type == "smtp") {
        smtp::SmtpOptions o;
        o.url = s.url;
        o.from = s.from;
        o.to = s.to;
        o.practice_ods = st.practice_ods;
        o.auth = s.auth == "none"    ? smtp::SmtpAuth::none
                 : s.auth == "login" ? smtp::SmtpAuth::login
                 : s.auth == "xoauth2" ? smtp::SmtpAuth::xoauth2
                                       : smtp::SmtpAuth::plain;
        o.username = s.username;
        o.password_file = s.password_file;
        o.oauth2_token_file = s.oauth2_token_file;
        o.ca_file = s.ca_file;
        return std::make_unique<smtp::SmtpSink>(std::move(o));
    }
    if (s.type == "webhook") {
        webhook::WebhookOptions o;
        o.url = s.url;
        o.secret_file = s.secret_file;
        o.practice_ods = st.practice_ods;
        o.ca_file = s.ca_file;
        return std::make_unique<webhook::WebhookSink>(std::move(o));
    }
    if (s.type == "task") {
        task::TaskOptions o;
        o.url = s.url;
        o.token_file = s.token_file;
        o.practice_ods = st.practice_ods;
        o.list = s.list;
        o.ca_file = s.ca_file;
        return std::make_unique<task::TaskSink>(std::move(o));
    }
    throw std::invalid_argument("unknown sink type '" + s.type + "'");
}

}  // namespace

SinkSet build_sinks(const Settings& st) {
    SinkSet out;
    for (const auto& s : st.delivery.sinks) {
        try {
            out[s.name] = build(st, s);
        } catch (const std::exception& e) {
            throw std::runtime_error("alert sink '" + s.name + "' (" + s.type + "): " + e.what());
        }
    }
    return out;
}

std::map<std::string, AlertSink*> sink_pointers(const SinkSet& sinks) {
    std::map<std::string, AlertSink*> out;
    for (const auto& [name, sink] : sinks) out[name] = sink.get();
    return out;
}

}  // namespace gpwatch::alerts
