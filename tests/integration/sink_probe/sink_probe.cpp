// gpwatch-sink-probe: test-only. Builds one alert from the command line and delivers it through
// one real sink (smtp, webhook or task), printing each DeliveryResult as a JSON line:
//   {"delivered":true,"retryable":false,"error":"","task_id":"..."}
// so integration tests can drive the sinks against real peers. Exit 0 after delivering (whatever
// the results), 2 for a bad command line or sink options.
//
//   gpwatch-sink-probe smtp    --url smtp://127.0.0.1:2525 --from F --to T [--to T2] --ca-file CA
//                              [--auth none|plain|login|xoauth2] [--user U] [--password P |
//                              --password-file F] [--token-file F]
//   gpwatch-sink-probe webhook --url https://127.0.0.1:8080/hook --ca-file CA (--secret S | --secret-file F)
//   gpwatch-sink-probe task    --url https://127.0.0.1:8443/tasks --ca-file CA (--token T | --token-file F) [--list L]
// Alert fields (all optional): --practice ODS --alert-id N --write-id N --kind K --reason R
//   --severity S --subject S --body TEXT --nhs-number N --in-reply-to MSGID --rule R --feed F
//   --upstream-id U --author-ods O --author-name N --created-at UNIX --covers 1,2,3
// --repeat N delivers the same alert N times (idempotency tests); --timeout SECONDS (all sinks)
// and --connect-timeout SECONDS (smtp) shorten the sink's time-outs.

#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "connectors/smtp/smtp_sink.hpp"
#include "connectors/task/task_sink.hpp"
#include "connectors/webhook/webhook_sink.hpp"

using namespace gpwatch;

namespace {

struct Args {
    std::map<std::string, std::string> single;
    std::vector<std::string> to;
    std::string get(const std::string& k, const std::string& fallback = "") const {
        auto it = single.find(k);
        return it == single.end() ? fallback : it->second;
    }
};

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 2; i < argc; ++i) {
        std::string k = argv[i];
        if (k.rfind("--", 0) != 0 || i + 1 >= argc) throw std::invalid_argument("expected --option value at " + k);
        std::string v = argv[++i];
        if (k == "--to")
            a.to.push_back(v);
        else
            a.single[k.substr(2)] = v;
    }
    return a;
}

Alert alert_from(const Args& a) {
    Alert al;
    al.id = std::stoll(a.get("alert-id", "1"));
    al.write_id = std::stoll(a.get("write-id", "1"));
    al.kind = a.get("kind", "write");
    al.reason = reason_from_string(a.get("reason", "unauthorised_write")).value_or(Reason::unauthorised_write);
    al.severity = severity_from_string(a.get("severity", "urgent")).value_or(Severity::urgent);
    al.subject = a.get("subject", "[URGENT] Unauthorised write by Midlands Community Care NHS Trust (RW1)");
    al.body = a.get("body", "URGENT: Unauthorised write.\n");
    al.created_at = std::stoll(a.get("created-at", "1778492527"));
    al.nhs_number = a.get("nhs-number");
    al.in_reply_to_alert = a.get("in-reply-to");
    al.rule = a.get("rule");
    al.feed = a.get("feed", "clinical");
    al.upstream_id = a.get("upstream-id", "e-probe");
    al.author_ods = a.get("author-ods", "RW1");
    al.author_name = a.get("author-name", "Midlands Community Care NHS Trust");
    std::stringstream covers(a.get("covers"));
    for (std::string id; std::getline(covers, id, ',');)
        if (!id.empty()) al.covers.push_back(std::stoll(id));
    return al;
}

smtp::SmtpAuth auth_from(const std::string& s) {
    if (s == "none") return smtp::SmtpAuth::none;
    if (s == "plain") return smtp::SmtpAuth::plain;
    if (s == "login") return smtp::SmtpAuth::login;
    if (s == "xoauth2") return smtp::SmtpAuth::xoauth2;
    throw std::invalid_argument("--auth must be none, plain, login or xoauth2");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::cerr << "usage: gpwatch-sink-probe smtp|webhook|task --option value ... (see the source's header)\n";
        return 2;
    }
    const std::string which = argv[1];
    std::unique_ptr<AlertSink> sink;
    task::TaskSink* task_sink = nullptr;
    Alert alert;
    int repeat = 1;
    try {
        const Args a = parse(argc, argv);
        alert = alert_from(a);
        repeat = std::stoi(a.get("repeat", "1"));
        const std::string practice = a.get("practice", "C84001");
        if (which == "smtp") {
            smtp::SmtpOptions o;
            o.url = a.get("url");
            o.from = a.get("from");
            o.to = a.to;
            o.practice_ods = practice;
            o.auth = auth_from(a.get("auth", "plain"));
            o.username = a.get("user");
            o.password = a.get("password");
            o.password_file = a.get("password-file");
            o.oauth2_token_file = a.get("token-file");
            o.ca_file = a.get("ca-file");
            o.connect_timeout = std::chrono::seconds(std::stoi(a.get("connect-timeout", "15")));
            o.total_timeout = std::chrono::seconds(std::stoi(a.get("timeout", "60")));
            sink = std::make_unique<smtp::SmtpSink>(o);
        } else if (which == "webhook") {
            webhook::WebhookOptions o;
            o.url = a.get("url");
            o.secret = a.get("secret");
            o.secret_file = a.get("secret-file");
            o.practice_ods = practice;
            o.ca_file = a.get("ca-file");
            o.total_timeout = std::chrono::seconds(std::stoi(a.get("timeout", "20")));
            sink = std::make_unique<webhook::WebhookSink>(o);
        } else if (which == "task") {
            task::TaskOptions o;
            o.url = a.get("url");
            o.token = a.get("token");
            o.token_file = a.get("token-file");
            o.practice_ods = practice;
            o.list = a.get("list", "duty-doctor");
            o.ca_file = a.get("ca-file");
            o.total_timeout = std::chrono::seconds(std::stoi(a.get("timeout", "20")));
            auto t = std::make_unique<task::TaskSink>(o);
            task_sink = t.get();
            sink = std::move(t);
        } else {
            throw std::invalid_argument("unknown sink '" + which + "' (smtp, webhook or task)");
        }
    } catch (const std::exception& e) {
        std::cerr << "gpwatch-sink-probe: " << e.what() << "\n";
        return 2;
    }
    for (int i = 0; i < repeat; ++i) {
        const DeliveryResult r = sink->deliver(alert);
        boost::json::object line{{"delivered", r.delivered}, {"retryable", r.retryable}, {"error", r.error}};
        if (task_sink) line["task_id"] = task_sink->last_task_id();
        std::cout << boost::json::serialize(line) << std::endl;
    }
    return 0;
}
