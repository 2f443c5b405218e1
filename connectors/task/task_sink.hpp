#pragma once
// TaskSink: each alert becomes a task in the clinical system's duty-doctor list:
// POST <url> (https://host:port/tasks) with the feed's bearer token and task_request.hpp's body.
// 201 (created) and 200 (the same dedupe_key was seen: the first task stands) are delivered, so
// retries never create a second task. Every other answer is judged by the shared rule
// (connectors/curl/http_answer): 5xx, 408, 429 and no answer are retried, the rest is permanent.

#include <atomic>
#include <chrono>
#include <string>

#include "proto/alert_sink.hpp"

namespace gpwatch::task {

struct TaskOptions {
    std::string url;            // https://host:port/tasks
    std::string token;          // bearer token itself, or ...
    std::string token_file;     // ... a file holding it (or "credential:NAME"), read at each delivery
    std::string practice_ods;   // "practice" in the body
    std::string list = "duty-doctor";
    std::string ca_file;        // PEM CAs to trust; empty: the system's trust store
    std::chrono::seconds connect_timeout{10};
    std::chrono::seconds total_timeout{20};
};

// The first problem with the options in words naming the option, or "".
std::string check_options(const TaskOptions& options);

class TaskSink : public AlertSink {
public:
    // Throws std::invalid_argument with check_options()'s words.
    explicit TaskSink(TaskOptions options);
    const char* name() const override { return "task"; }
    DeliveryResult deliver(const Alert& alert) override;
    void cancel() override { cancelled_.store(true); }

    // The task id the clinical system gave the last delivered alert (for the log), or "".
    const std::string& last_task_id() const { return last_task_id_; }

private:
    TaskOptions options_;
    std::string last_task_id_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace gpwatch::task
