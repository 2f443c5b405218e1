#include "connectors/smtp/smtp_sink.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

#include <curl/curl.h>

#include "connectors/curl/curl_global.hpp"
#include "connectors/curl/log_safe_text.hpp"
#include "connectors/curl/secret_file.hpp"
#include "connectors/smtp/smtp_failure.hpp"

namespace gpwatch::smtp {

namespace {

struct EasyDeleter {
    void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistDeleter {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

// The message handed to libcurl piece by piece (libcurl does the SMTP dot-stuffing).
struct Upload {
    const std::string* data;
    std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* up = static_cast<Upload*>(user);
    const std::size_t n = std::min(size * count, up->data->size() - up->offset);
    std::memcpy(buffer, up->data->data() + up->offset, n);
    up->offset += n;
    return n;
}

// Keeps the server's last failure reply (4xx/5xx), which libcurl follows with QUIT and "221 Bye".
// Only CURLINFO_HEADER_IN (what the server says) is looked at: the outgoing data, which holds
// the message body, is never read here.
int watch_replies(CURL*, curl_infotype type, char* data, std::size_t size, void* user) {
    if (type != CURLINFO_HEADER_IN) return 0;
    auto* last_failure = static_cast<std::string*>(user);
    std::string line(data, std::min<std::size_t>(size, 300));
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    for (auto& c : line)
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    if (!line.empty() && (line[0] == '4' || line[0] == '5')) *last_failure = line;
    return 0;
}

// libcurl calls this about once a second while it works (connecting, waiting for a reply):
// non-zero stops the submission, so a stopping gpwatchd does not wait out a silent server.
int stop_if_cancelled(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<const std::atomic<bool>*>(user)->load() ? 1 : 0;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

bool valid_address(const std::string& a) {
    const auto at = a.find('@');
    if (at == std::string::npos || at == 0 || at + 1 == a.size()) return false;
    return std::none_of(a.begin(), a.end(), [](unsigned char c) {
        return c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == '"';
    });
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

SubmissionFailure failure_from(CURLcode rc, long reply_code, const std::string& last_reply, const char* errbuf) {
    SubmissionFailure f;
    f.detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
    f.reply_code = reply_code;
    f.reply_text = curl::one_line(last_reply);  // a server may echo what it was sent: digits masked
    // A failure reply decides, whatever libcurl calls the step (a refused RCPT comes back as
    // CURLE_SEND_ERROR): the server said why.
    if (reply_code >= 400 && rc != CURLE_OPERATION_TIMEDOUT) {
        f.kind = SubmissionFailure::Kind::reply;
        return f;
    }
    switch (rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_SSL_CONNECT_ERROR:  // handshake broke off; not a verification verdict
            f.kind = SubmissionFailure::Kind::connection;
            return f;
        case CURLE_OPERATION_TIMEDOUT:
            f.kind = SubmissionFailure::Kind::timeout;
            return f;
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
            f.kind = SubmissionFailure::Kind::tls_refused;
            return f;
        case CURLE_USE_SSL_FAILED:
            f.kind = SubmissionFailure::Kind::tls_unavailable;
            return f;
        case CURLE_LOGIN_DENIED:
            f.kind = SubmissionFailure::Kind::reply;
            // No failure reply seen: the server offers none of the AUTH mechanisms asked for,
            // which a retry cannot change.
            if (reply_code < 400) {
                f.reply_code = 535;
                f.reply_text = "no AUTH mechanism in common with the server";
            }
            return f;
        default:
            break;
    }
    f.kind = SubmissionFailure::Kind::connection;
    return f;
}

}  // namespace

std::string check_options(const SmtpOptions& o) {
    if (!starts_with(o.url, "smtp://") && !starts_with(o.url, "smtps://"))
        return "smtp url must start with smtp:// (STARTTLS) or smtps:// (implicit TLS): " + o.url;
    if (!valid_address(o.from)) return "smtp from is not an e-mail address: '" + o.from + "'";
    if (o.to.empty()) return "smtp to: at least one recipient is needed";
    for (const auto& r : o.to)
        if (!valid_address(r)) return "smtp to: not an e-mail address: '" + r + "'";
    switch (o.auth) {
        case SmtpAuth::none: break;
        case SmtpAuth::plain:
        case SmtpAuth::login:
            if (o.username.empty()) return "smtp username is needed for AUTH PLAIN/LOGIN";
            if (o.password.empty() == o.password_file.empty())
                return "smtp needs exactly one of password and password_file for AUTH PLAIN/LOGIN";
            break;
        case SmtpAuth::xoauth2:
            if (o.username.empty()) return "smtp username is needed for AUTH XOAUTH2";
            if (o.oauth2_token_file.empty()) return "smtp oauth2_token_file is needed for AUTH XOAUTH2";
            break;
    }
    if (o.connect_timeout.count() <= 0 || o.total_timeout.count() <= 0) return "smtp time-outs must be positive";
    return "";
}

SmtpSink::SmtpSink(SmtpOptions options) : options_(std::move(options)) {
    if (auto problem = check_options(options_); !problem.empty()) throw std::invalid_argument(problem);
    envelope_ = {options_.from, join(options_.to, ", "), options_.practice_ods};
    curl::ensure_global_init();
}

std::string SmtpSink::message_for(const Alert& alert) const { return mail::format_message(alert, envelope_); }

DeliveryResult SmtpSink::deliver(const Alert& alert) {
    if (cancelled_.load()) return classify({SubmissionFailure::Kind::local, 0, "", "cancelled (gpwatchd stopping)"});
    // Secrets first: an unreadable token file is retried (it may be mid-refresh).
    std::string password, token, secret_error;
    if ((options_.auth == SmtpAuth::plain || options_.auth == SmtpAuth::login)) {
        if (!options_.password_file.empty()) {
            auto p = curl::read_secret_file(options_.password_file, secret_error);
            if (!p) return classify({SubmissionFailure::Kind::local, 0, "", "smtp password: " + secret_error});
            password = *p;
        } else {
            password = options_.password;
        }
    }
    if (options_.auth == SmtpAuth::xoauth2) {
        auto t = curl::read_secret_file(options_.oauth2_token_file, secret_error);
        if (!t) return classify({SubmissionFailure::Kind::local, 0, "", "smtp OAuth token: " + secret_error});
        token = *t;
    }

    std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
    if (!easy) return classify({SubmissionFailure::Kind::local, 0, "", "libcurl could not create a handle"});
    CURL* h = easy.get();

    std::unique_ptr<curl_slist, SlistDeleter> recipients;
    for (const auto& r : options_.to) {
        curl_slist* grown = curl_slist_append(recipients.get(), ("<" + r + ">").c_str());
        if (!grown) return classify({SubmissionFailure::Kind::local, 0, "", "out of memory"});
        (void)recipients.release();
        recipients.reset(grown);
    }
    const std::string message = message_for(alert);
    Upload upload{&message};
    std::string last_failure_reply;
    char errbuf[CURL_ERROR_SIZE] = "";
    const std::string mail_from = "<" + options_.from + ">";

    curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));  // STARTTLS or nothing
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count() * 1000));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.total_timeout.count() * 1000));
    curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from.c_str());
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
    curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, read_upload);
    curl_easy_setopt(h, CURLOPT_READDATA, &upload);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, stop_if_cancelled);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &cancelled_);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_VERBOSE, 1L);  // feeds watch_replies only; nothing is printed
    curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, watch_replies);
    curl_easy_setopt(h, CURLOPT_DEBUGDATA, &last_failure_reply);
    switch (options_.auth) {
        case SmtpAuth::none: break;
        case SmtpAuth::plain:
        case SmtpAuth::login:
            curl_easy_setopt(h, CURLOPT_USERNAME, options_.username.c_str());
            curl_easy_setopt(h, CURLOPT_PASSWORD, password.c_str());
            curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, options_.auth == SmtpAuth::plain ? "AUTH=PLAIN" : "AUTH=LOGIN");
            break;
        case SmtpAuth::xoauth2:
            curl_easy_setopt(h, CURLOPT_USERNAME, options_.username.c_str());
            curl_easy_setopt(h, CURLOPT_XOAUTH2_BEARER, token.c_str());
            curl_easy_setopt(h, CURLOPT_LOGIN_OPTIONS, "AUTH=XOAUTH2");
            break;
    }

    const CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) return {true, false, ""};
    if (rc == CURLE_ABORTED_BY_CALLBACK)
        return classify({SubmissionFailure::Kind::local, 0, "", "cancelled (gpwatchd stopping)"});
    long reply_code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply_code);
    return classify(failure_from(rc, reply_code, last_failure_reply, errbuf));
}

}  // namespace gpwatch::smtp
