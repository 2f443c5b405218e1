#pragma once
// TaskInbox: the simulated clinical system's task lists (docs/protocols.md "Tasks back into the clinical
// system"). Checks a POST /tasks body field by field, gives each new task an id, remembers
// dedupe keys so the same key twice returns the first task's id (200) instead of a second task
// (201), and writes each new task to the journal as {"type":"task","task_id":…, …the request…}.
// No I/O beyond the journal, so the rules are testable without a server.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace gpwatch::sim {

class Journal;

struct TaskReply {
    unsigned status = 0;  // 201 created, 200 duplicate of an earlier task, 400 bad body
    std::string body;     // JSON: {"task_id":…} or {"error":…,"field":…}
};

class TaskInbox {
public:
    TaskInbox(std::string practice, Journal* journal);

    TaskReply submit(std::string_view body);

    std::size_t task_count() const { return by_dedupe_key_.size(); }

private:
    std::string practice_;
    Journal* journal_;
    std::uint64_t next_id_ = 1;
    std::map<std::string, std::string> by_dedupe_key_;  // dedupe_key -> task id
};

}  // namespace gpwatch::sim
