#include "daemon/alerts/sink_registry.hpp"

#include <stdexcept>

#include "connectors/mail/maildir_sink.hpp"
#include "connectors/smtp/smtp_sink.hpp"
#include "connectors/task/task_sink.hpp"
#include "connectors/webhook/webhook_sink.hpp"

namespace gpwatch::alerts {

namespace {

std::unique_ptr<AlertSink> maildir(const Settings& st, const SinkSettings& s) {
    // Whatever the sink leaves empty is its inbox's (duty_inbox: or admin_inbox:, after --state-dir).
    const auto& inbox = s.inbox == "admin" ? st.admin_inbox : st.duty_inbox;
    const std::string dir = s.maildir.empty() ? inbox.maildir : s.maildir;
    std::string to;
    for (const auto& t : s.to) to += (to.empty() ? "" : ", ") + t;
    if (to.empty()) to = inbox.to;
    return std::make_unique<mail::MaildirSink>(dir,
                                               mail::Envelope{s.from.empty() ? inbox.from : s.from, to, st.practice_ods});
}

std::unique_ptr<AlertSink> smtp_sink(const Settings& st, const SinkSettings& s) {
    smtp::SmtpOptions o;
    o.url = s.url;
    o.from = s.from;
    o.to = s.to;
    o.practice_ods = st.practice_ods;
    o.auth = s.auth == "none"      ? smtp::SmtpAuth::none
             : s.auth == "login"   ? smtp::SmtpAuth::login
             : s.auth == "xoauth2" ? smtp::SmtpAuth::xoauth2
                                   : smtp::SmtpAuth::plain;
    o.username = s.username;
    o.password_file = s.password_file;
    o.oauth2_token_file = s.oauth2_token_file;
    o.ca_file = s.ca_file;
    return std::make_unique<smtp::SmtpSink>(std::move(o));
}

std::unique_ptr<AlertSink> webhook_sink(const Settings& st, const SinkSettings& s) {
    webhook::WebhookOptions o;
    o.url = s.url;
    o.secret_file = s.secret_file;
    o.practice_ods = st.practice_ods;
    o.ca_file = s.ca_file;
    return std::make_unique<webhook::WebhookSink>(std::move(o));
}

std::unique_ptr<AlertSink> task_sink(const Settings& st, const SinkSettings& s) {
    task::TaskOptions o;
    o.url = s.url;
    o.token_file = s.token_file;
    o.practice_ods = st.practice_ods;
    o.list = s.list;
    o.ca_file = s.ca_file;
    return std::make_unique<task::TaskSink>(std::move(o));
}

}  // namespace

const std::map<SinkType, SinkBuilder>& sink_builders() {
    static const std::map<SinkType, SinkBuilder> builders{
        {SinkType::maildir, maildir},
        {SinkType::smtp, smtp_sink},
        {SinkType::webhook, webhook_sink},
        {SinkType::task, task_sink},
    };
    return builders;
}

SinkSet build_sinks(const Settings& st) {
    SinkSet out;
    for (const auto& s : st.delivery.sinks) {
        try {
            const auto builder = sink_builders().find(s.type);
            if (builder == sink_builders().end()) throw std::invalid_argument("unknown sink type '" + std::string(to_string(s.type)) + "'");
            out[s.name] = builder->second(st, s);
        } catch (const std::exception& e) {
            throw std::runtime_error("alert sink '" + s.name + "' (" + std::string(to_string(s.type)) + "): " + e.what());
        }
    }
    return out;
}

}  // namespace gpwatch::alerts
