#pragma once
// The duty inbox as a Maildir (tmp/ new/ cur/): each alert one RFC 5322 file (with Unix line ends,
// as Maildir holds them), readable by any mail client or by `cat`: the duty inbox and the admin inbox
// when no other sink is set.

#include <string>

#include "connectors/mail/rfc5322.hpp"
#include "proto/alert_sink.hpp"

namespace gpwatch::mail {

class MaildirSink : public AlertSink {
public:
    // Creates the Maildir's folders if missing; throws std::runtime_error if it cannot.
    MaildirSink(std::string directory, Envelope envelope);
    const char* name() const override { return "maildir"; }
    // Writes to tmp/, fsyncs, renames into new/: a reader never sees half a message. The file
    // name is fixed per alert id, so delivering again after a crash leaves one copy.
    DeliveryResult deliver(const Alert& alert) override;
    bool needs_local_disk() const override { return true; }

    const std::string& directory() const { return dir_; }

private:
    std::string dir_;
    Envelope env_;
    std::string host_;
};

}  // namespace gpwatch::mail
