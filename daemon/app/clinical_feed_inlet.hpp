#pragma once
// ClinicalFeedInlet: gpwatchd's end of the clinical system's event feed. Owns the
// ClinicalFeedClient built from the `clinical_feed:` settings, resubscribing from the ledger's
// cursor; after a commit it acknowledges the highest seq of the batch.

#include "connectors/clinical_feed/feed_client.hpp"
#include "daemon/app/inlet.hpp"

namespace gpwatch {

class ClinicalFeedInlet : public ClientInlet<clinical_feed::ClinicalFeedClient> {
public:
    ClinicalFeedInlet(const InletContext& context, const Settings& settings);
    void acknowledge(const std::vector<RecordEvent>& committed) override;
    InletStatus status() const override;

    // The kind: built when clinical_feed.enabled, rebuilt when a reload changes its client options.
    static InletKind kind();
};

clinical_feed::FeedClientOptions feed_client_options(const Settings& s);

}  // namespace gpwatch
