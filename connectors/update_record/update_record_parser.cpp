// The ITK3 rules: which parts of the message say what, and what makes a message unusable.
// Reading bytes into a tree is the readers' job; this file only walks the tree.

#include "connectors/update_record/update_record_parser.hpp"

#include <array>
#include <cctype>
#include <exception>
#include <new>
#include <string>
#include <utility>

#include "connectors/update_record/bundle_index.hpp"
#include "connectors/update_record/error_text.hpp"
#include "connectors/update_record/fhir_codings.hpp"
#include "connectors/update_record/fhir_element.hpp"
#include "connectors/update_record/fhir_time.hpp"
#include "connectors/update_record/json_reader.hpp"
#include "connectors/update_record/xml_reader.hpp"
#include "proto/nhs_number.hpp"

namespace gpwatch::update_record {
namespace {

constexpr std::string_view kEventSystem = "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2";
constexpr std::string_view kUpdateRecordEvent = "ITK014M";
constexpr std::string_view kOdsSystem = "https://fhir.nhs.uk/Id/ods-organization-code";
constexpr std::string_view kNhsNumberSystem = "https://fhir.nhs.uk/Id/nhs-number";
constexpr std::string_view kGphcSystem = "https://fhir.hl7.org.uk/Id/gphc-number";
constexpr std::string_view kSnomed = "http://snomed.info/sct";

// Services only community pharmacies provide under the NHS Community Pharmacy Contractual
// Framework (see docs/domain.md): a message for one of them comes from a pharmacy.
constexpr std::array<std::string_view, 5> kCommunityPharmacyServices = {
    "1577041000000109",  // Pharmacy First / minor illness consultation
    "983341000000102", "2129921000000100",  // Pharmacy First, as also seen in records
    "1659111000000107",  // Blood Pressure Check Service
    "1659121000000101",  // Contraception Service
};

// Thrown inside this file only; parse_update_record turns it into an unparseable event.
struct Unparseable {
    std::string why;
};

[[noreturn]] void refuse(std::string why) { throw Unparseable{std::move(why)}; }

std::string quote(std::string_view s) { return "'" + error_excerpt(s, 64) + "'"; }

std::string_view identifier_value(const FhirElement& resource, std::string_view system) {
    std::string_view found;
    resource.each("identifier", [&](const FhirElement& id) {
        if (found.empty() && id.child_value("system") == system) found = id.child_value("value");
    });
    return found;
}

bool ascii_contains_nocase(std::string_view haystack, std::string_view needle) {
    if (needle.size() > haystack.size()) return false;
    for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
        bool match = true;
        for (std::size_t k = 0; k < needle.size() && match; ++k)
            match = std::tolower(static_cast<unsigned char>(haystack[i + k])) ==
                    std::tolower(static_cast<unsigned char>(needle[k]));
        if (match) return true;
    }
    return false;
}

// The parts of one message, and how references inside it resolve.
class Message {
public:
    explicit Message(const FhirElement& root) : root_(root) {}

    void read_envelope(RecordEvent& ev) {
        if (root_.name != "Bundle") refuse("the message is a " + quote(root_.name) + " resource, not a Bundle");
        if (root_.child_value("type") != "message")
            refuse("the Bundle's type is " + quote(root_.child_value("type")) + ", not 'message': not an ITK3 message");
        const FhirElement* identifier = root_.child("identifier");
        ev.entry_id = std::string(identifier ? identifier->child_value("value") : std::string_view{});
        if (ev.entry_id.empty()) refuse("the message Bundle has no identifier value (the message id)");

        if (std::string e = outer_.add(root_, true); !e.empty()) refuse(e);
        if (outer_.entries().empty() || outer_.entries().front().resource->name != "MessageHeader")
            refuse("the message Bundle's first entry is not a MessageHeader");
        header_ = outer_.entries().front().resource;
    }

    // Every urn: reference resolves. Checked only once the event says Update Record: a message
    // that is not one is recorded as such whatever its insides, never judged by these rules.
    void check_references() {
        if (std::string e = all_.add(root_, false); !e.empty()) refuse(e);
        for (const BundleEntry& entry : outer_.entries()) {
            if (entry.resource->name != "Bundle") continue;
            // Each Bundle's fullUrls unique within it (checked before any reference is followed),
            // while the same URN in two Bundles is allowed, as FHIR allows it.
            if (std::string e = BundleIndex{}.add(*entry.resource, true); !e.empty()) refuse(e);
            if (std::string e = all_.add(*entry.resource, false); !e.empty()) refuse(e);
        }
        if (std::string e = check_urn_references(root_, all_); !e.empty()) refuse(e);
    }

    // The MessageHeader event code, with why it is not an Update Record when it is not.
    std::string not_update_record_reason() const {
        const FhirElement* event = header_->child("event");
        const std::string_view code = event ? event->child_value("code") : std::string_view{};
        const std::string_view system = event ? event->child_value("system") : std::string_view{};
        if (code.empty()) refuse("the MessageHeader has no event code");
        if (system != kEventSystem)
            return "MessageHeader event " + quote(code) + " is from " + quote(system) + ", not the ITK message events " +
                   std::string(kEventSystem);
        if (code == kUpdateRecordEvent) return {};
        std::string reason = "MessageHeader event is " + error_excerpt(code, 32);
        if (const std::string_view display = event->child_value("display"); !display.empty())
            reason += " (" + error_excerpt(display, 80) + ")";
        return reason + ", not ITK014M (ITK Update Record)";
    }

    void read_sender(RecordEvent& ev) {
        const FhirElement& org = follow(*header_, "sender", "MessageHeader.sender", "Organization", outer_);
        ev.author.ods = std::string(identifier_value(org, kOdsSystem));
        if (ev.author.ods.empty()) refuse("the sending Organization has no ODS code (" + std::string(kOdsSystem) + ")");
        ev.author.name = std::string(org.child_value("name"));
        sender_org_ = &org;
        const FhirElement* source = header_->child("source");
        ev.update_record.sender_mailbox = std::string(source ? source->child_value("endpoint") : std::string_view{});
    }

    void read_update_record(RecordEvent& ev) {
        check_references();
        read_sender(ev);
        if (ev.update_record.sender_mailbox.empty()) refuse("MessageHeader.source has no endpoint (the sender's MESH mailbox)");
        read_time(ev);

        const FhirElement& document = follow(*header_, "focus", "MessageHeader.focus", "Bundle", outer_);
        if (document.child_value("type") != "document")
            refuse("MessageHeader.focus is a Bundle of type " + quote(document.child_value("type")) + ", not 'document'");
        const FhirElement* doc_identifier = document.child("identifier");
        ev.update_record.document_id = std::string(doc_identifier ? doc_identifier->child_value("value") : std::string_view{});
        if (ev.update_record.document_id.empty()) refuse("the document Bundle has no identifier value");
        if (std::string e = document_.add(document, true); !e.empty()) refuse(e);
        if (document_.entries().empty() || document_.entries().front().resource->name != "Composition")
            refuse("the document Bundle's first entry is not a Composition");
        const FhirElement& composition = *document_.entries().front().resource;

        ev.resource_type = "Composition";
        read_service(composition, ev);
        read_patient(composition, ev);
        read_encounter(composition, ev);
        read_replaces(composition, ev);
        ev.nopat = has_nopat(root_) || has_nopat(document) || has_nopat(composition);

        for (const BundleEntry& entry : document_.entries()) collect_codings(*entry.resource, ev.codes);
        for (const FhirElement* dispense : document_.of_type("MedicationDispense")) read_medicine(*dispense, ev);
        for (const FhirElement* flag : document_.of_type("Flag"))
            if (const FhirElement* code = flag->child("code")) concept_codings(*code, "Flag", ev.flags);

        ev.author.org_type = from_pharmacy(composition, ev.update_record.service_code) ? "community-pharmacy" : "";
        if (ev.author.name.empty()) ev.author.name = document_organisation_name(composition);
        ev.kind = EventKind::entry_created;
    }

private:
    // The resource `from.<field>.reference` names, which must exist and be of `type`.
    const FhirElement& follow(const FhirElement& from, std::string_view field, std::string_view what,
                              std::string_view type, const BundleIndex& index) const {
        const FhirElement* ref_el = from.child(field);
        const std::string_view ref = ref_el ? ref_el->child_value("reference") : std::string_view{};
        if (ref.empty()) refuse(std::string(what) + " has no reference");
        const FhirElement* target = resolve(from, ref, index);
        if (target == nullptr) refuse(std::string(what) + " reference " + quote(ref) + " points to no entry of the message");
        if (target->name != type)
            refuse(std::string(what) + " points to a " + quote(target->name) + ", not a " + std::string(type));
        return *target;
    }

    // "#id" names a resource contained in `from`; anything else an entry, in `index` first.
    const FhirElement* resolve(const FhirElement& from, std::string_view ref, const BundleIndex& index) const {
        if (ref.starts_with('#')) {
            const FhirElement* found = nullptr;
            from.each("contained", [&](const FhirElement& c) {
                const FhirElement* r = c.resource();
                if (found == nullptr && r != nullptr && r->child_value("id") == ref.substr(1)) found = r;
            });
            return found;
        }
        if (const FhirElement* r = index.find(ref)) return r;
        return all_.find(ref);
    }

    void read_time(RecordEvent& ev) const {
        if (const std::string_view ts = header_->child_value("timestamp"); !ts.empty()) {
            const auto t = parse_fhir_datetime(ts);
            if (!t) refuse("MessageHeader.timestamp " + quote(ts) + " is not a FHIR dateTime with a time zone");
            ev.time = *t;
            return;
        }
        const FhirElement* meta = root_.child("meta");
        const std::string_view updated = meta ? meta->child_value("lastUpdated") : std::string_view{};
        const auto t = parse_fhir_datetime(updated);
        if (!t) refuse("the message has neither a MessageHeader.timestamp nor a readable Bundle meta.lastUpdated");
        ev.time = *t;
    }

    void read_service(const FhirElement& composition, RecordEvent& ev) const {
        const FhirElement* type = composition.child("type");
        std::vector<Coding> codings;
        if (type != nullptr) concept_codings(*type, "Composition", codings);
        if (codings.empty()) refuse("Composition.type has no coding (the service)");
        // SNOMED CT is how the service is named; another code system only when there is no SNOMED.
        const Coding* chosen = &codings.front();
        for (const Coding& c : codings)
            if (c.system == kSnomed) { chosen = &c; break; }
        ev.update_record.service_code = chosen->code;
        ev.update_record.service_display = chosen->display;
    }

    void read_patient(const FhirElement& composition, RecordEvent& ev) const {
        const FhirElement* patient = nullptr;
        if (composition.child("subject") != nullptr) {
            patient = &follow(composition, "subject", "Composition.subject", "Patient", document_);
        } else {
            const auto patients = document_.of_type("Patient");
            if (patients.empty()) refuse("the document has no Patient");
            if (patients.size() > 1) refuse("Composition has no subject and the document has several Patients");
            patient = patients.front();
        }
        // Some senders space the number as it is printed (485 777 3456); the digits are the number.
        std::string number;
        for (char c : identifier_value(*patient, kNhsNumberSystem))
            if (c != ' ') number += c;
        if (number.empty()) refuse("the Patient has no NHS number (" + std::string(kNhsNumberSystem) + ")");
        ev.nhs_number_valid = nhs_number_is_valid(number);
        ev.nhs_number = std::move(number);
    }

    void read_encounter(const FhirElement& composition, RecordEvent& ev) const {
        const FhirElement* encounter = nullptr;
        if (composition.child("encounter") != nullptr) {
            encounter = &follow(composition, "encounter", "Composition.encounter", "Encounter", document_);
        } else {
            const auto encounters = document_.of_type("Encounter");
            if (encounters.size() != 1) refuse("Composition has no encounter and the document does not hold exactly one Encounter");
            encounter = encounters.front();
        }
        const FhirElement* period = encounter->child("period");
        const std::string_view start = period ? period->child_value("start") : std::string_view{};
        if (start.empty()) refuse("the Encounter has no period.start");
        const auto t = parse_fhir_datetime(start);
        if (!t) refuse("Encounter.period.start " + quote(start) + " is not a FHIR date or dateTime precise to the day");
        ev.update_record.encounter_time = *t;
    }

    void read_replaces(const FhirElement& composition, RecordEvent& ev) const {
        composition.each("relatesTo", [&](const FhirElement& rel) {
            if (!ev.update_record.replaces.empty() || rel.child_value("code") != "replaces") return;
            std::string_view target;
            if (const FhirElement* id = rel.child("targetIdentifier")) target = id->child_value("value");
            if (const FhirElement* ref = rel.child("targetReference"); target.empty() && ref != nullptr) {
                const FhirElement* id = ref->child("identifier");
                target = id ? id->child_value("value") : ref->child_value("reference");
            }
            if (target.empty()) refuse("Composition.relatesTo 'replaces' names no target");
            ev.update_record.replaces = std::string(target);
        });
    }

    void read_medicine(const FhirElement& dispense, RecordEvent& ev) const {
        if (const FhirElement* codeable = dispense.child("medicationCodeableConcept")) {
            concept_codings(*codeable, "MedicationDispense", ev.medicines);
        } else if (dispense.child("medicationReference") != nullptr) {
            const FhirElement& med = follow(dispense, "medicationReference", "MedicationDispense.medicationReference",
                                            "Medication", document_);
            if (const FhirElement* code = med.child("code")) concept_codings(*code, "MedicationDispense", ev.medicines);
        }
    }

    // Whether what the message says makes its sender a community pharmacy: a service only
    // pharmacies provide, an Organization typed as a pharmacy, or a Composition written by a
    // GPhC registrant. Nothing said: not a pharmacy (org_type stays empty, never guessed).
    bool from_pharmacy(const FhirElement& composition, std::string_view service_code) const {
        for (std::string_view s : kCommunityPharmacyServices)
            if (s == service_code) return true;
        auto typed_pharmacy = [](const FhirElement& org) {
            bool yes = false;
            org.each("type", [&](const FhirElement& type) {
                std::vector<Coding> codings;
                concept_codings(type, "Organization", codings);
                for (const Coding& c : codings)
                    // RO182 is the ODS role PHARMACY.
                    if (c.code == "RO182" || ascii_contains_nocase(c.display, "pharmacy")) yes = true;
            });
            return yes;
        };
        if (sender_org_ != nullptr && typed_pharmacy(*sender_org_)) return true;
        for (const FhirElement* org : document_.of_type("Organization"))
            if (typed_pharmacy(*org)) return true;
        bool gphc = false;
        composition.each("author", [&](const FhirElement& author) {
            const FhirElement* who = resolve(composition, author.child_value("reference"), document_);
            if (who != nullptr && who->name == "Practitioner" && !identifier_value(*who, kGphcSystem).empty()) gphc = true;
        });
        return gphc;
    }

    // The sending organisation's name when the ITK header Organization has none (NHS England's
    // examples name it only inside the document): the Encounter's service provider, else the
    // Composition's custodian.
    std::string document_organisation_name(const FhirElement& composition) const {
        for (const FhirElement* encounter : document_.of_type("Encounter"))
            if (const FhirElement* sp = encounter->child("serviceProvider"))
                if (const FhirElement* org = resolve(*encounter, sp->child_value("reference"), document_);
                    org != nullptr && org->name == "Organization" && !org->child_value("name").empty())
                    return std::string(org->child_value("name"));
        if (const FhirElement* custodian = composition.child("custodian"))
            if (const FhirElement* org = resolve(composition, custodian->child_value("reference"), document_);
                org != nullptr && org->name == "Organization")
                return std::string(org->child_value("name"));
        return {};
    }

    const FhirElement& root_;
    BundleIndex outer_;     // the message Bundle's entries
    BundleIndex all_;       // those and the entries of Bundles inside it, for URN checks
    BundleIndex document_;  // the document Bundle's entries
    const FhirElement* header_ = nullptr;
    const FhirElement* sender_org_ = nullptr;
};

RecordEvent unparseable(std::string_view bytes, std::string why, const RecordEvent& partial) {
    RecordEvent ev;
    ev.feed = Feed::update_record;
    ev.kind = EventKind::unparseable;
    ev.route = "update-record";
    // What was read of the envelope before the failure still says which message it was and who
    // sent it; nothing about the patient is kept (the raw bytes are for quarantine only).
    ev.entry_id = partial.entry_id;
    ev.author.ods = partial.author.ods;
    ev.author.name = partial.author.name;
    ev.update_record.sender_mailbox = partial.update_record.sender_mailbox;
    ev.time = partial.time;
    ev.raw = std::string(bytes);
    ev.parse_error = std::move(why);
    return ev;
}

}  // namespace

RecordEvent parse_update_record(std::string_view bytes, const ParseLimits& limits) {
    RecordEvent ev;
    ev.feed = Feed::update_record;
    ev.route = "update-record";
    try {
        if (bytes.size() > limits.max_bytes)
            refuse("the message is " + std::to_string(bytes.size()) + " bytes, over the limit of " +
                   std::to_string(limits.max_bytes) + "; not read");
        std::string_view body = bytes;
        if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
        const std::size_t first = body.find_first_not_of(" \t\r\n");
        if (first == std::string_view::npos) refuse("the message is empty");

        const ReadLimits read_limits{limits.max_depth, limits.max_elements};
        FhirReadResult read;
        if (body[first] == '<') read = read_fhir_xml(body, read_limits);
        else if (body[first] == '{') read = read_fhir_json(body, read_limits);
        else refuse("the message is neither XML nor JSON (it starts with byte " +
                    std::to_string(static_cast<unsigned char>(body[first])) + ")");
        if (!read.ok) refuse(std::move(read.error));

        Message message(read.root);
        message.read_envelope(ev);
        if (std::string reason = message.not_update_record_reason(); !reason.empty()) {
            ev.kind = EventKind::not_update_record;
            ev.parse_error = std::move(reason);
            try {
                message.read_sender(ev);
            } catch (const Unparseable&) {
                // The sender is filled only when the message names one properly; it is not an
                // Update Record either way.
            }
            return ev;
        }
        message.read_update_record(ev);
        return ev;
    } catch (const Unparseable& u) {
        return unparseable(bytes, u.why, ev);
    } catch (const std::bad_alloc&) {
        return unparseable(bytes, "out of memory while reading the message", ev);
    } catch (const std::exception& e) {
        return unparseable(bytes, std::string("unexpected failure while reading the message: ") + e.what(), ev);
    }
}

}  // namespace gpwatch::update_record
