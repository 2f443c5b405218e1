#include "daemon/alerts/sink_worker.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

namespace gpwatch::alerts {

// Shared by the worker thread and the SinkWorker: whichever outlives the other frees it.
struct SinkWorker::State {
    boost::asio::any_io_executor loop;
    std::unique_ptr<AlertSink> sink;
    std::mutex m;
    std::condition_variable cv;
    std::optional<std::pair<Alert, Done>> job;  // handed over, not yet taken by the thread
    bool stopping = false;
    bool finished = false;  // the thread has left its loop
};

namespace {

void run(const std::shared_ptr<SinkWorker::State>& st, const std::string& name) {
    for (;;) {
        std::pair<Alert, DeliveryLane::Done> job;
        {
            std::unique_lock lock(st->m);
            st->cv.wait(lock, [&] { return st->stopping || st->job.has_value(); });
            if (st->stopping) break;
            job = std::move(*st->job);
            st->job.reset();
        }
        DeliveryResult result;
        try {
            result = st->sink->deliver(job.first);
        } catch (const std::exception& e) {
            result = {false, true, std::string("the sink failed unexpectedly: ") + e.what()};
        } catch (...) {
            result = {false, true, "the sink failed unexpectedly"};
        }
        std::lock_guard lock(st->m);
        // Once stopping, nothing is posted: the loop may be gone, and the delivery stays pending.
        if (st->stopping) break;
        boost::asio::post(st->loop, [done = std::move(job.second), result = std::move(result)] { done(result); });
    }
    std::lock_guard lock(st->m);
    st->finished = true;
    st->cv.notify_all();
    spdlog::debug("sink worker {} ended", name);
}

}  // namespace

SinkWorker::SinkWorker(boost::asio::any_io_executor loop, std::string name, std::unique_ptr<AlertSink> sink)
    : name_(std::move(name)), state_(std::make_shared<State>()) {
    state_->loop = std::move(loop);
    state_->sink = std::move(sink);
    std::thread([st = state_, n = name_] { run(st, n); }).detach();
}

SinkWorker::~SinkWorker() { stop(std::chrono::milliseconds(0)); }

const char* SinkWorker::type() const { return state_->sink->name(); }

bool SinkWorker::needs_local_disk() const { return state_->sink->needs_local_disk(); }

void SinkWorker::submit(const Alert& alert, Done done) {
    if (stopped_) return;
    busy_ = true;
    // Runs on the loop: marks the lane free again before the outbox hears the result.
    auto on_loop = [this, alive = std::weak_ptr<bool>(alive_), done = std::move(done)](const DeliveryResult& r) {
        if (alive.expired()) return;  // the worker (and the outbox behind `done`) is gone
        busy_ = false;
        done(r);
    };
    std::lock_guard lock(state_->m);
    state_->job.emplace(alert, std::move(on_loop));
    state_->cv.notify_all();
}

bool SinkWorker::stop(std::chrono::milliseconds grace) {
    if (!stopped_) {
        stopped_ = true;
        {
            std::lock_guard lock(state_->m);
            state_->stopping = true;
            state_->job.reset();
            state_->cv.notify_all();
        }
        state_->sink->cancel();
    }
    std::unique_lock lock(state_->m);
    const bool ended = state_->cv.wait_for(lock, grace, [&] { return state_->finished; });
    if (!ended && grace.count() > 0)
        spdlog::warn("alert sink {} is still busy after {} ms; leaving its delivery to be retried at the next start",
                     name_, grace.count());
    return ended;
}

}  // namespace gpwatch::alerts
