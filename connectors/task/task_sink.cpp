#include "connectors/task/task_sink.hpp"

#include <stdexcept>

#include <boost/json/parse.hpp>

#include "connectors/curl/curl_global.hpp"
#include "connectors/curl/http_answer.hpp"
#include "connectors/curl/https_post.hpp"
#include "connectors/curl/secret_file.hpp"
#include "connectors/task/task_request.hpp"

namespace gpwatch::task {

namespace {

std::string task_id_in(const std::string& body) {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    if (ec || !v.is_object()) return "";
    const auto* id = v.as_object().if_contains("task_id");
    return id && id->is_string() ? std::string(id->as_string()) : std::string();
}

}  // namespace

std::string check_options(const TaskOptions& o) {
    if (o.url.rfind("https://", 0) != 0 || o.url.size() <= 8)
        return "task url must be an https:// URL: '" + o.url + "'";
    if (o.token.empty() == o.token_file.empty()) return "task sink needs exactly one of token and token_file";
    if (o.practice_ods.empty()) return "task sink needs the practice's ODS code";
    if (o.list.empty()) return "task list must not be empty";
    if (o.connect_timeout.count() <= 0 || o.total_timeout.count() <= 0) return "task time-outs must be positive";
    return "";
}

TaskSink::TaskSink(TaskOptions options) : options_(std::move(options)) {
    if (auto problem = check_options(options_); !problem.empty()) throw std::invalid_argument(problem);
    curl::ensure_global_init();
}

DeliveryResult TaskSink::deliver(const Alert& alert) {
    std::string token = options_.token;
    if (!options_.token_file.empty()) {
        std::string error;
        auto t = curl::read_secret_file(options_.token_file, error);
        if (!t) return {false, true, "task token: " + error};
        token = *t;
    }
    curl::PostRequest request;
    request.url = options_.url;
    request.ca_file = options_.ca_file;
    request.connect_timeout = options_.connect_timeout;
    request.total_timeout = options_.total_timeout;
    request.body = task_json(alert, options_.practice_ods, options_.list);
    request.headers = {"Content-Type: application/json", "Accept: application/json", "User-Agent: gpwatch",
                       "Authorization: Bearer " + token, "Expect:"};

    if (cancelled_.load()) return {false, true, "clinical system tasks: cancelled (gpwatchd stopping)"};
    request.cancel = &cancelled_;
    const curl::PostResponse response = curl::https_post(request);
    if (!response.transport_ok) return curl::no_answer(response, "clinical system tasks");
    if (response.status == 201 || response.status == 200) {
        last_task_id_ = task_id_in(response.body);
        return {true, false, ""};
    }
    return curl::refused(response, "clinical system refused the task:");
}

}  // namespace gpwatch::task
