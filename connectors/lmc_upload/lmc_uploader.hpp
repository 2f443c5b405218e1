#pragma once
// LmcUploader: POSTs one SignedIncidentReport (the exact bytes the ledger keeps) to the LMC's
// collector over mutual TLS: the collector's certificate verified against `ca_file`, the practice's
// client certificate presented, https only, no redirects. Content-Type: application/x-protobuf.
// The answer is classified by upload_outcome.hpp.
//
// upload() blocks for up to `timeout`: call it off the event loop. It is safe to call from one
// worker thread while another thread calls cancel().

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "connectors/lmc_upload/upload_outcome.hpp"

namespace gpwatch::lmc_upload {

// What the daemon's reporting loop needs from an uploader (tests substitute their own).
class ReportUploader {
public:
    virtual ~ReportUploader() = default;
    virtual UploadOutcome upload(std::string_view body) = 0;
    // Makes an upload in progress (and any later one) return soon as retryable/cancelled.
    virtual void cancel() {}
};

struct UploadOptions {
    std::string url;               // https://host[:port]/v1/reports
    std::string ca_file;           // CA that signed the collector's certificate; empty: system store
    std::string client_cert_file;  // the practice's client certificate (PEM); empty: none is sent
    std::string client_key_file;   // its key (PEM); required with a certificate
    std::chrono::seconds timeout{30};  // the whole exchange; connecting gets at most 10 s of it
};

// The first problem with the options, in words naming the setting, or "". Files named must be
// readable now (a typo is a start-up error, not a week of failed uploads).
std::string check_options(const UploadOptions& options);

class LmcUploader : public ReportUploader {
public:
    // Throws std::invalid_argument with check_options()'s words.
    explicit LmcUploader(UploadOptions options);
    UploadOutcome upload(std::string_view body) override;
    void cancel() override { cancelled_.store(true); }

private:
    UploadOptions options_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace gpwatch::lmc_upload
