#!/usr/bin/env python3
"""Writes the Update Record test messages in this folder, each in FHIR XML and FHIR JSON.

The messages follow the structure of NHS England's published examples (ITK3 message Bundle,
MessageHeader ITK014M, ITK header Organization, document Bundle with Composition, Encounter,
Patient, Organization, Practitioner, PractitionerRole and the clinical resources). Each message is
described once here and written in both forms, so a twin pair always means the same thing and the
parser's two readers can be checked against each other. Run it again after changing a message:

    python3 tests/data/update_record/make_messages.py

Every patient and practitioner is made up. NHS number 9000000009 is the test patient of NHS
England's API sandboxes; 9000000001 fails its check digit. dm+d and SNOMED codes match
sim/mesh's catalogue; the safeguarding Flag code is illustrative.
"""
import json
import os
from xml.sax.saxutils import quoteattr

HERE = os.path.dirname(os.path.abspath(__file__))
SCT = "http://snomed.info/sct"
DMD = "https://dmd.nhs.uk"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
NHS = "https://fhir.nhs.uk/Id/nhs-number"
GPHC = "https://fhir.hl7.org.uk/Id/gphc-number"
SD = "https://fhir.nhs.uk/STU3/StructureDefinition/"


# --- a small element model: ("p", name, value, kind) primitive, ("o", name, children, repeats),
# ("r", type, children) resource. kind is "s" string, "n" number, "b" boolean.
def p(name, value, kind="s"):
    return ("p", name, value, kind)


def o(name, *children):
    return ("o", name, list(children), False)


def li(name, *children):  # an item of a repeating element: a JSON array
    return ("o", name, list(children), True)


def plist(name, value):  # a repeating primitive
    return ("pl", name, value)


def r(rtype, *children):
    return ("r", rtype, list(children))


def ext(url, *children):
    return ("e", url, list(children))


def coding(system, code, display=None):
    kids = [p("system", system), p("code", code)]
    if display is not None:
        kids.append(p("display", display))
    return li("coding", *kids)


def cc(name, system, code, display, repeats=False):
    f = li if repeats else o
    return f(name, coding(system, code, display), p("text", display))


def ref(name, uuid, repeats=False):
    f = li if repeats else o
    return f(name, p("reference", "urn:uuid:" + uuid))


def ident(system, value):
    return li("identifier", p("system", system), p("value", value))


def meta(profile, *extra):
    return o("meta", p("lastUpdated", "2026-11-02T10:15:00+00:00"), plist("profile", SD + profile), *extra)


def nopat():
    return li("security", p("system", "http://hl7.org/fhir/v3/ActCode"), p("code", "NOPAT"),
              p("display", "no disclosure to patient, family or caregivers without attending provider's authorization"))


# --- XML
def xml(node, indent=0):
    pad = "  " * indent
    kind = node[0]
    if kind == "p" or kind == "pl":
        return f"{pad}<{node[1]} value={quoteattr(str(node[2]))} />\n"
    if kind == "e":
        body = "".join(xml(c, indent + 1) for c in node[2])
        return f"{pad}<extension url={quoteattr(node[1])}>\n{body}{pad}</extension>\n"
    if kind == "r":
        ns = ' xmlns="http://hl7.org/fhir"' if indent == 0 else ""
        body = "".join(xml(c, indent + 1) for c in node[2])
        return f"{pad}<{node[1]}{ns}>\n{body}{pad}</{node[1]}>\n"
    body = "".join(xml(c, indent + 1) for c in node[2])
    return f"{pad}<{node[1]}>\n{body}{pad}</{node[1]}>\n"


# --- JSON
def json_value(node):
    kind = node[0]
    if kind in ("p", "pl"):
        v = node[2]
        if len(node) > 3 and node[3] == "n":
            return json.loads(v)
        if len(node) > 3 and node[3] == "b":
            return v == "true"
        return v
    if kind == "r":
        out = {"resourceType": node[1]}
        json_members(node[2], out)
        return out
    if kind == "e":
        out = {"url": node[1]}
        json_members(node[2], out)
        return out
    out = {}
    json_members(node[2], out)
    return out


def json_members(children, out):
    for c in children:
        kind = c[0]
        name = "extension" if kind == "e" else c[1]
        if kind == "r":  # a resource directly inside a container element
            raise ValueError("resource must sit in a container object")
        repeats = kind in ("e", "pl") or (kind == "o" and c[3])
        if kind == "o" and len(c[2]) == 1 and c[2][0][0] == "r":
            v = json_value(c[2][0])  # "resource": {"resourceType": ...}
        else:
            v = json_value(c)
        if repeats:
            out.setdefault(name, []).append(v)
        else:
            if name in out:
                raise ValueError("non-repeating element twice: " + name)
            out[name] = v


def write(name, message):
    with open(os.path.join(HERE, name + ".xml"), "w", encoding="utf-8") as f:
        f.write(xml(message))
    with open(os.path.join(HERE, name + ".json"), "w", encoding="utf-8") as f:
        json.dump(json_value(message), f, indent=2, ensure_ascii=False)
        f.write("\n")


# --- the message shape
U = {  # fixed uuids, one per role, so references are easy to follow
    "header": "5f0c1a6e-0000-4000-8000-000000000001",
    "header_org": "5f0c1a6e-0000-4000-8000-000000000002",
    "document": "5f0c1a6e-0000-4000-8000-000000000003",
    "composition": "5f0c1a6e-0000-4000-8000-000000000004",
    "encounter": "5f0c1a6e-0000-4000-8000-000000000005",
    "org": "5f0c1a6e-0000-4000-8000-000000000006",
    "practitioner": "5f0c1a6e-0000-4000-8000-000000000007",
    "role": "5f0c1a6e-0000-4000-8000-000000000008",
    "patient": "5f0c1a6e-0000-4000-8000-000000000009",
}


def entry(uuid, resource):
    return li("entry", p("fullUrl", "urn:uuid:" + uuid), o("resource", resource))


def observation(uuid, code, display, *value, category="vital-signs"):
    return entry(uuid, r("Observation", p("id", uuid), meta("CareConnect-GPC-Observation-1"),
                         p("status", "final"),
                         cc("category", "http://hl7.org/fhir/observation-category", category,
                            "Vital Signs" if category == "vital-signs" else "Exam", repeats=True),
                         cc("code", SCT, code, display), ref("subject", U["patient"]), ref("context", U["encounter"]),
                         p("effectiveDateTime", "2026-11-02T10:05:00+00:00"), ref("performer", U["practitioner"], True),
                         *value))


def quantity(name, value, unit, code):
    return o(name, p("value", value, "n"), p("unit", unit), p("system", "http://unitsofmeasure.org"), p("code", code))


def bp_component(code, display, value):
    return li("component", cc("code", SCT, code, display), quantity("valueQuantity", value, "mmHg", "mm[Hg]"))


def dispense(uuid, dmd, name, qty, unit, days, instruction):
    return entry(uuid, r("MedicationDispense", p("id", uuid), meta("CareConnect-GPC-MedicationDispense-1"),
                         p("status", "completed"),
                         cc("medicationCodeableConcept", DMD, dmd, name), ref("subject", U["patient"]),
                         ref("context", U["encounter"]),
                         li("performer", ref("actor", U["practitioner"])),
                         cc("type", "https://fhir.hl7.org.uk/STU3/CodeSystem/CareConnect-MedicationSupplyType-1",
                            "patient-group-direction", "Patient group direction"),
                         o("quantity", p("value", qty, "n"), p("unit", unit)),
                         o("daysSupply", p("value", days, "n"), p("unit", "day"),
                           p("system", "http://unitsofmeasure.org"), p("code", "d")),
                         p("whenHandedOver", "2026-11-02T10:10:00+00:00"),
                         li("dosageInstruction", p("text", instruction))))


def condition(uuid, code, display):
    return entry(uuid, r("Condition", p("id", uuid), meta("CareConnect-GPC-Condition-1"),
                         p("clinicalStatus", "active"), p("verificationStatus", "confirmed"),
                         cc("code", SCT, code, display), ref("subject", U["patient"]), ref("context", U["encounter"]),
                         p("assertedDate", "2026-11-02")))


def impression(uuid, summary):
    return entry(uuid, r("ClinicalImpression", p("id", uuid), meta("CareConnect-GPC-ClinicalImpression-1"),
                         p("status", "completed"), ref("subject", U["patient"]), ref("context", U["encounter"]),
                         p("date", "2026-11-02T10:05:00+00:00"), ref("assessor", U["practitioner"]),
                         p("summary", summary)))


def flag(uuid, code, display):
    return entry(uuid, r("Flag", p("id", uuid), meta("CareConnect-Flag-1"), p("status", "active"),
                         cc("code", SCT, code, display), ref("subject", U["patient"])))


def allergy(uuid, code, display):
    return entry(uuid, r("AllergyIntolerance", p("id", uuid), meta("CareConnect-GPC-AllergyIntolerance-1"),
                         p("clinicalStatus", "active"), p("verificationStatus", "confirmed"),
                         cc("code", SCT, code, display), ref("patient", U["patient"]),
                         p("assertedDate", "2026-11-02")))


def message(*, message_id, service, clinical, event=("ITK014M", "ITK Update Record"), nhs="9000000009",
            ods="FA123", pharmacy="Riverside Pharmacy", mailbox="FA123OT001",
            timestamp="2026-11-02T10:20:31.1234567+00:00", encounter_start="2026-11-02T10:00:00+00:00",
            composition_extra=(), composition_security=False):
    header = r("MessageHeader", p("id", U["header"]), meta("ITK-MessageHeader-2"),
               ext(SD + "Extension-ITK-MessageHandling-2",
                   ext("BusAckRequested", p("valueBoolean", "true", "b")),
                   ext("InfAckRequested", p("valueBoolean", "true", "b")),
                   ext("RecipientType", o("valueCoding", p("system", "https://fhir.nhs.uk/STU3/CodeSystem/ITK-RecipientType-1"),
                                          p("code", "FI"), p("display", "For Information"))),
                   ext("MessageDefinition", o("valueReference", p("reference", "https://fhir.nhs.uk/STU3/MessageDefinition/ITK-UpdateRecord-MessageDefinition-Instance-1"))),
                   ext("SenderReference", p("valueString", "urn:uuid:" + U["encounter"])),
                   ext("LocalExtension", p("valueString", "None"))),
               o("event", p("system", "https://fhir.nhs.uk/STU3/CodeSystem/ITK-MessageEvent-2"), p("code", event[0]),
                 p("display", event[1])),
               ref("sender", U["header_org"]), p("timestamp", timestamp),
               o("source", p("endpoint", mailbox)), ref("focus", U["document"], True))
    header_org = r("Organization", p("id", U["header_org"]), meta("CareConnect-ITK-Header-Organization-1"),
                   ident(ODS, ods))
    sections = [li("entry", p("reference", "urn:uuid:" + u)) for u in
                [U["encounter"], U["org"], U["practitioner"], U["role"], U["patient"]] +
                [c[2][0][2].split(":")[-1] for c in clinical]]
    comp_meta = meta("CareConnect-Composition-1", *( [nopat()] if composition_security else []))
    composition = r("Composition", p("id", U["composition"]), comp_meta,
                    o("identifier", p("system", "https://fhir.provider.example/identifier/composition"),
                      p("value", U["composition"])),
                    p("status", "final"), cc("type", SCT, service[0], service[1]),
                    ref("subject", U["patient"]), ref("encounter", U["encounter"]), p("date", "2026-11-02T10:20:00+00:00"),
                    ref("author", U["practitioner"], True), p("title", pharmacy + " - " + service[1]),
                    *composition_extra,
                    li("section", p("title", "Consultation"), *sections))
    encounter = r("Encounter", p("id", U["encounter"]), meta("CareConnect-GPC-Encounter-1"), p("status", "finished"),
                  cc("type", SCT, "307778003", "Seen in primary care establishment", True),
                  ref("subject", U["patient"]),
                  li("participant", ref("individual", U["practitioner"])),
                  o("period", p("start", encounter_start)),
                  cc("reason", SCT, service[0], service[1], True), ref("serviceProvider", U["org"]))
    org = r("Organization", p("id", U["org"]), meta("CareConnect-GPC-Organization-1"), ident(ODS, ods),
            p("name", pharmacy))
    practitioner = r("Practitioner", p("id", U["practitioner"]), meta("CareConnect-GPC-Practitioner-1"),
                     ident(GPHC, "2011234"), li("name", p("family", "Okafor"), plist("given", "Ada"), plist("prefix", "Mx")))
    role = r("PractitionerRole", p("id", U["role"]), meta("CareConnect-GPC-PractitionerRole-1"),
             ref("practitioner", U["practitioner"]), ref("organization", U["org"]),
             cc("code", "https://fhir.nhs.uk/STU3/CodeSystem/CareConnect-SDSJobRoleName-1", "R1290", "Pharmacist", True))
    patient = r("Patient", p("id", U["patient"]), meta("CareConnect-GPC-Patient-1"),
                li("identifier", p("system", NHS), p("value", nhs)),
                li("name", p("use", "official"), p("family", "TESTPATIENT"), plist("given", "Sam")),
                p("gender", "female"), p("birthDate", "1990-04-01"))
    document = r("Bundle", p("id", U["document"]), meta("ITK-Document-Bundle-1"),
                 o("identifier", p("system", "https://fhir.provider.example/identifier/bundle"),
                   p("value", "doc-" + message_id)),
                 p("type", "document"),
                 entry(U["composition"], composition), entry(U["encounter"], encounter), entry(U["org"], org),
                 entry(U["practitioner"], practitioner), entry(U["role"], role), entry(U["patient"], patient),
                 *clinical)
    return r("Bundle", p("id", message_id), meta("ITK-Message-Bundle-1"),
             o("identifier", p("system", "https://fhir.provider.example/identifier/bundle"), p("value", message_id)),
             p("type", "message"),
             entry(U["header"], header), entry(U["header_org"], header_org), entry(U["document"], document))


PF = ("1577041000000109", "Community Pharmacist Consultation Service for minor illness")
BP = ("1659111000000107", "Community Pharmacy Blood Pressure Check Service")
CONTRA = ("1659121000000101", "Community Pharmacy Contraception Service")

# Pharmacy First pathways: (file stem, condition code, display, (dm+d, name, qty, unit, days, instruction))
PATHWAYS = [
    ("uti", "1090711000000102", "Acute lower urinary tract infection",
     ("39686511000001108", "Nitrofurantoin 100mg modified-release capsules", "6", "Capsule", "3", "One capsule twice a day for 3 days")),
    ("sinusitis", "15805002", "Acute sinusitis",
     ("31843021000001107", "Mometasone 50micrograms/dose nasal spray", "140", "dose", "14", "Two sprays into each nostril once a day")),
    ("insect-bite", "262550002", "Infected insect bite",
     ("32278111000001104", "Flucloxacillin 500mg capsules", "28", "Capsule", "7", "One capsule four times a day for 7 days")),
    ("otitis-media", "3110003", "Acute otitis media",
     ("32478311000001101", "Otigo 40mg/g / 10mg/g ear drops", "15", "ml", "7", "Four drops into the affected ear three times a day")),
    ("sore-throat", "363746003", "Acute sore throat",
     ("32215901000001103", "Phenoxymethylpenicillin 250mg tablets", "80", "Tablet", "10", "Two tablets four times a day for 10 days")),
    ("shingles", "4740000", "Herpes zoster",
     ("39955911000001104", "Aciclovir 800mg tablets", "35", "Tablet", "7", "One tablet five times a day for 7 days")),
    ("impetigo", "48277006", "Impetigo",
     ("32584401000001101", "Hydrogen peroxide 1% cream", "25", "gram", "5", "Apply two or three times a day for 5 days")),
]


def pharmacy_first(stem, code, display, med, **kw):
    clinical = [
        condition("6a000000-0000-4000-8000-000000000001", code, display),
        observation("6a000000-0000-4000-8000-000000000002", "703421000", "Temperature",
                    quantity("valueQuantity", "37.4", "degree Celsius", "Cel")),
        dispense("6a000000-0000-4000-8000-000000000003", *med),
        impression("6a000000-0000-4000-8000-000000000004", "Meets the " + stem + " pathway criteria."),
    ]
    return message(service=PF, clinical=clinical, **kw)


def main():
    for stem, code, display, med in PATHWAYS:
        write("pharmacy-first-" + stem, pharmacy_first(stem, code, display, med, message_id="pf-" + stem + "-0001"))

    # Blood Pressure Check: a clinic reading with systolic and diastolic components, and the mean
    # of the readings as its own observation (the triplet a GP system files).
    bp = [
        observation("6b000000-0000-4000-8000-000000000001", "75367002", "Blood pressure",
                    bp_component("72313002", "Systolic arterial pressure", "148"),
                    bp_component("1091811000000102", "Diastolic arterial pressure", "92")),
        observation("6b000000-0000-4000-8000-000000000002", "6797001", "Mean blood pressure",
                    quantity("valueQuantity", "111", "mmHg", "mm[Hg]")),
        observation("6b000000-0000-4000-8000-000000000003", "364075005", "Heart rate",
                    quantity("valueQuantity", "72", "per minute", "{beats}/min")),
        allergy("6b000000-0000-4000-8000-000000000004", "294505008", "Allergy to amoxicillin"),
    ]
    write("bp-check", message(message_id="bp-0001", service=BP, clinical=bp, ods="FX482",
                              pharmacy="Hillcrest Chemist", mailbox="FX482OT002"))

    # Contraception, with pregnancy status, supplied under a PGD, and a safeguarding flag.
    contra = [
        observation("6c000000-0000-4000-8000-000000000001", "60001007", "Not pregnant", category="exam"),
        dispense("6c000000-0000-4000-8000-000000000002", "32216331000001100", "Desogestrel 75microgram tablets",
                 "84", "Tablet", "84", "One tablet daily at the same time each day"),
        flag("6c000000-0000-4000-8000-000000000003", "1129681000000108", "Safeguarding concern"),
    ]
    write("contraception", message(message_id="contra-0001", service=CONTRA, clinical=contra, ods="FK719",
                                   pharmacy="Market Street Pharmacy", mailbox="FK719OT001"))

    uti = PATHWAYS[0]
    # Replaces the UTI message above (its message id).
    write("replacement", pharmacy_first(*uti, message_id="pf-uti-0002",
                                        composition_extra=[li("relatesTo", p("code", "replaces"),
                                                              o("targetIdentifier",
                                                                p("system", "https://fhir.provider.example/identifier/bundle"),
                                                                p("value", "pf-uti-0001")))]))
    write("nopat", pharmacy_first(*uti, message_id="pf-nopat-0001", composition_security=True))
    # 9000000001 fails modulus 11: the check digit of 900000000 is 9.
    write("invalid-nhs-number", pharmacy_first(*uti, message_id="pf-badnhs-0001", nhs="9000000001"))
    write("business-ack", pharmacy_first(*uti, message_id="ack-0001", event=("ITK008M", "ITK Business Acknowledgement")))


if __name__ == "__main__":
    main()
