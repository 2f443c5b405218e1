#pragma once
// ControllerLedger: the ledger's controller tables (schema migration "Controller settings in
// full"): patient flags, the processor's reported configuration and its drift, Update Record
// replacement links, and the writes rows that stand for a drift (so that its verdict and alert
// hang off a row like every other). Works on the Ledger's connection and inside its transactions
// (Ledger::begin / commit), so a batch's flags, drift and links commit with its writes.
//
// The ledger depends on proto only: flags are their names here (type1_opt_out, ...), not policy's
// enum; daemon/ingest translates.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "daemon/ledger/ledger.hpp"

namespace gpwatch {

struct ProcessorStateRow {
    std::string key;       // update-record | share-in:<ODS> | agreement:<name>
    std::string value;     // as the clinical system last reported it
    std::string expected;  // what the controller's settings said at that time
    std::int64_t changed_at = 0;
    std::string changed_by;
    std::int64_t drift_write_id = 0;  // the open drift's writes row; 0: in line
};

struct UpdateRecordLink {
    std::int64_t write_id = 0;
    std::string document_id;
    std::string replaces;
    std::int64_t replaced_by = 0;  // 0: not replaced
};

class ControllerLedger {
public:
    explicit ControllerLedger(Ledger& ledger);
    ~ControllerLedger();
    ControllerLedger(const ControllerLedger&) = delete;
    ControllerLedger& operator=(const ControllerLedger&) = delete;

    // --- patient flags (a row exists while the flag is on)
    std::vector<std::string> patient_flags(const std::string& nhs_number);
    void set_patient_flag(const std::string& nhs_number, const std::string& flag, bool on, std::int64_t at,
                          const std::string& source);

    // --- processor configuration and drift
    std::optional<ProcessorStateRow> processor_state(const std::string& key);
    void put_processor_state(const ProcessorStateRow& row);
    std::vector<ProcessorStateRow> list_processor_state();
    // A writes row (review_state drift-open) that carries a drift's verdict and alert. One per
    // drift episode: `upstream_id` must name the episode (e.g. the key and the event's seq).
    std::int64_t open_drift(const RecordEvent& ev, const std::string& upstream_id, const Author& who,
                            const std::string& key, const std::string& what, std::int64_t now);
    // Marks the drift row closed (review_state drift-closed), naming what brought it back in line.
    void close_drift(std::int64_t write_id, std::int64_t at, const std::string& by);

    // --- Update Record replacements
    void link_update_record(std::int64_t write_id, const std::string& document_id,
                            const std::string& replaces);
    // The Update Record write whose message id or document id is `id`, other than `except`; 0: none.
    std::int64_t find_update_record(const std::string& id, std::int64_t except);
    // The write of a message that arrived earlier and replaces `message_id` or `document_id`; 0: none.
    std::int64_t find_replacement_of(const std::string& message_id, const std::string& document_id,
                                     std::int64_t except);
    // Links `replaced` to `by` and closes its review (state "replaced") if it was still open;
    // true when it was open and now is closed.
    bool mark_replaced(std::int64_t replaced, std::int64_t by, std::int64_t at,
                       const std::string& reviewed_by);
    std::optional<UpdateRecordLink> link_of(std::int64_t write_id);

    // --- verdict rule names (content rule, "escalation"): read back for tools and tests
    std::string verdict_rule(std::int64_t write_id, Reason reason);

private:
    sqlite::Connection& db_;
    struct Statements;
    std::unique_ptr<Statements> st_;
};

}  // namespace gpwatch
