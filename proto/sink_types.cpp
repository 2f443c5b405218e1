#include "proto/sink_types.hpp"

namespace gpwatch {

namespace {

std::vector<std::pair<std::string, std::string>> check_smtp(const SinkSettings& s) {
    std::vector<std::pair<std::string, std::string>> out;
    if (s.auth != "none" && s.auth != "plain" && s.auth != "login" && s.auth != "xoauth2")
        out.emplace_back("auth", "'" + s.auth + "' is not none, plain, login or xoauth2");
    if (s.auth == "xoauth2" && s.oauth2_token_file.empty())
        out.emplace_back("oauth2_token_file", "required for a smtp sink with auth xoauth2");
    if ((s.auth == "plain" || s.auth == "login") && s.password_file.empty())
        out.emplace_back("password_file", "required for a smtp sink with auth " + s.auth);
    if (s.auth != "none" && s.username.empty()) out.emplace_back("username", "required for a smtp sink");
    return out;
}

std::vector<std::pair<std::string, std::string>> check_maildir(const SinkSettings& s) {
    if (s.inbox == "duty" || s.inbox == "admin") return {};
    return {{"inbox", "'" + s.inbox + "' is not duty or admin (whose inbox folder and addresses it uses)"}};
}

}  // namespace

const std::vector<SinkTypeSpec>& sink_types() {
    static const std::vector<SinkTypeSpec> types{
        // Whatever a maildir sink leaves empty is the duty inbox's (duty_inbox:, after --state-dir).
        {SinkType::maildir, "maildir", {"maildir", "inbox", "from", "to"}, {}, {}, "", check_maildir},
        {SinkType::smtp,
         "smtp",
         {"url", "from", "to", "auth", "username", "password_file", "oauth2_token_file", "ca_file"},
         {"url", "from", "to"},
         {"smtp://", "smtps://"},
         "should start with smtp:// (STARTTLS) or smtps://",
         check_smtp},
        {SinkType::webhook,
         "webhook",
         {"url", "secret_file", "ca_file"},
         {"url", "secret_file"},
         {"https://"},
         "should start with https:// (alerts are never posted in clear)",
         nullptr},
        {SinkType::task, "task", {"url", "token_file", "list", "ca_file"}, {"url", "token_file"}, {"https://"},
         "should start with https://", nullptr},
    };
    return types;
}

const SinkTypeSpec* find_sink_type(std::string_view word) {
    for (const auto& t : sink_types())
        if (t.word == word) return &t;
    return nullptr;
}

const SinkTypeSpec& sink_type_spec(SinkType type) {
    for (const auto& t : sink_types())
        if (t.type == type) return t;
    return sink_types().front();  // every SinkType has an entry (sink_types_test)
}

std::string sink_type_words() {
    std::string out;
    const auto& types = sink_types();
    for (std::size_t i = 0; i < types.size(); ++i) {
        if (i) out += i + 1 == types.size() ? " or " : ", ";
        out += types[i].word;
    }
    return out;
}

}  // namespace gpwatch
