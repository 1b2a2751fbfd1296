//! Every MCP method this server knows, named once: what a request asks for, parsed from its
//! `method` member once, and the rules that follow from it (which revisions serve it, which of
//! its params the HTTP `Mcp-Name` header mirrors).

/// A method this server knows. Anything else is carried as text (see [`MethodName`]) and answered
/// "Method not found" (a request) or ignored (a notification).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Method {
    /// `initialize` (2025 sessions).
    Initialize,
    /// `ping` (2025 sessions).
    Ping,
    /// `logging/setLevel` (2025 sessions).
    LoggingSetLevel,
    /// `server/discover` (2026-07-28).
    ServerDiscover,
    /// `tools/list`.
    ToolsList,
    /// `tools/call`.
    ToolsCall,
    /// `resources/list`.
    ResourcesList,
    /// `resources/templates/list`.
    ResourcesTemplatesList,
    /// `resources/read`.
    ResourcesRead,
    /// `resources/subscribe` (2025 sessions).
    ResourcesSubscribe,
    /// `resources/unsubscribe` (2025 sessions).
    ResourcesUnsubscribe,
    /// `prompts/list`.
    PromptsList,
    /// `prompts/get`.
    PromptsGet,
    /// `completion/complete`.
    CompletionComplete,
    /// `subscriptions/listen` (2026-07-28).
    SubscriptionsListen,
    /// `tasks/get` (the tasks extension).
    TasksGet,
    /// `tasks/update` (the tasks extension).
    TasksUpdate,
    /// `tasks/cancel` (the tasks extension).
    TasksCancel,
    /// `skills/list` (the skills extension).
    SkillsList,
    /// `skills/get` (the skills extension).
    SkillsGet,
    /// `notifications/initialized`.
    Initialized,
    /// `notifications/cancelled`.
    Cancelled,
}

impl Method {
    /// Every known method, for tests and tables.
    #[cfg(test)]
    pub(crate) const ALL: [Method; 22] = [
        Method::Initialize,
        Method::Ping,
        Method::LoggingSetLevel,
        Method::ServerDiscover,
        Method::ToolsList,
        Method::ToolsCall,
        Method::ResourcesList,
        Method::ResourcesTemplatesList,
        Method::ResourcesRead,
        Method::ResourcesSubscribe,
        Method::ResourcesUnsubscribe,
        Method::PromptsList,
        Method::PromptsGet,
        Method::CompletionComplete,
        Method::SubscriptionsListen,
        Method::TasksGet,
        Method::TasksUpdate,
        Method::TasksCancel,
        Method::SkillsList,
        Method::SkillsGet,
        Method::Initialized,
        Method::Cancelled,
    ];

    /// The method named `name`, if this server knows it.
    pub(crate) fn parse(name: &str) -> Option<Method> {
        Some(match name {
            "initialize" => Method::Initialize,
            "ping" => Method::Ping,
            "logging/setLevel" => Method::LoggingSetLevel,
            "server/discover" => Method::ServerDiscover,
            "tools/list" => Method::ToolsList,
            "tools/call" => Method::ToolsCall,
            "resources/list" => Method::ResourcesList,
            "resources/templates/list" => Method::ResourcesTemplatesList,
            "resources/read" => Method::ResourcesRead,
            "resources/subscribe" => Method::ResourcesSubscribe,
            "resources/unsubscribe" => Method::ResourcesUnsubscribe,
            "prompts/list" => Method::PromptsList,
            "prompts/get" => Method::PromptsGet,
            "completion/complete" => Method::CompletionComplete,
            "subscriptions/listen" => Method::SubscriptionsListen,
            "tasks/get" => Method::TasksGet,
            "tasks/update" => Method::TasksUpdate,
            "tasks/cancel" => Method::TasksCancel,
            "skills/list" => Method::SkillsList,
            "skills/get" => Method::SkillsGet,
            "notifications/initialized" => Method::Initialized,
            "notifications/cancelled" => Method::Cancelled,
            _ => return None,
        })
    }

    /// The method's name on the wire.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Method::Initialize => "initialize",
            Method::Ping => "ping",
            Method::LoggingSetLevel => "logging/setLevel",
            Method::ServerDiscover => "server/discover",
            Method::ToolsList => "tools/list",
            Method::ToolsCall => "tools/call",
            Method::ResourcesList => "resources/list",
            Method::ResourcesTemplatesList => "resources/templates/list",
            Method::ResourcesRead => "resources/read",
            Method::ResourcesSubscribe => "resources/subscribe",
            Method::ResourcesUnsubscribe => "resources/unsubscribe",
            Method::PromptsList => "prompts/list",
            Method::PromptsGet => "prompts/get",
            Method::CompletionComplete => "completion/complete",
            Method::SubscriptionsListen => "subscriptions/listen",
            Method::TasksGet => "tasks/get",
            Method::TasksUpdate => "tasks/update",
            Method::TasksCancel => "tasks/cancel",
            Method::SkillsList => "skills/list",
            Method::SkillsGet => "skills/get",
            Method::Initialized => "notifications/initialized",
            Method::Cancelled => "notifications/cancelled",
        }
    }

    /// Whether a request for this method is served. Stateless (2026-07-28) requests have no
    /// handshake, ping or session log level: `initialize`, `ping` and `logging/setLevel` are not
    /// methods there; `subscriptions/listen` exists only there. Notifications are no requests.
    pub(crate) fn is_served(self, stateless: bool) -> bool {
        match self {
            Method::ToolsList | Method::ToolsCall | Method::ServerDiscover => true,
            Method::ResourcesList | Method::ResourcesTemplatesList | Method::ResourcesRead => true,
            Method::PromptsList | Method::PromptsGet | Method::CompletionComplete => true,
            Method::TasksGet | Method::TasksUpdate | Method::TasksCancel => true,
            Method::SkillsList | Method::SkillsGet => true,
            Method::Initialize | Method::Ping | Method::LoggingSetLevel => !stateless,
            // 2026-07-28 subscribes on a listen stream instead.
            Method::ResourcesSubscribe | Method::ResourcesUnsubscribe => !stateless,
            // 2025 sessions hear of changes on their own channel instead.
            Method::SubscriptionsListen => stateless,
            Method::Initialized | Method::Cancelled => false,
        }
    }

    /// The params member that names what the request is about, which 2026-07-28 mirrors in the
    /// HTTP header `Mcp-Name` (SEP-2243).
    pub(crate) fn name_member(self) -> Option<&'static str> {
        match self {
            Method::ToolsCall | Method::PromptsGet => Some("name"),
            Method::ResourcesRead => Some("uri"),
            // The tasks extension routes its methods by task (`Mcp-Name: <taskId>`).
            Method::TasksGet | Method::TasksUpdate | Method::TasksCancel => Some("taskId"),
            _ => None,
        }
    }

    /// Whether it asks for one of the four paged lists.
    pub(crate) fn is_list(self) -> bool {
        matches!(
            self,
            Method::ToolsList
                | Method::ResourcesList
                | Method::ResourcesTemplatesList
                | Method::PromptsList
        )
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Method;

    #[test]
    fn every_method_reads_back_its_own_name() {
        for m in Method::ALL {
            assert_eq!(Method::parse(m.as_str()), Some(m));
        }
        for unknown in [
            "",
            "no/such",
            "Tools/call",
            "tools/call ",
            "notifications/progress",
        ] {
            assert_eq!(Method::parse(unknown), None, "{unknown:?}");
        }
    }

    #[test]
    fn the_handshake_methods_exist_only_in_sessions() {
        for m in [Method::Initialize, Method::Ping, Method::LoggingSetLevel] {
            assert!(m.is_served(false) && !m.is_served(true), "{m}");
        }
        for m in [Method::ToolsList, Method::ToolsCall, Method::ServerDiscover] {
            assert!(m.is_served(false) && m.is_served(true), "{m}");
        }
        assert!(Method::SubscriptionsListen.is_served(true));
        assert!(!Method::SubscriptionsListen.is_served(false));
        for m in [Method::Initialized, Method::Cancelled] {
            assert!(!m.is_served(false) && !m.is_served(true), "{m}");
        }
    }

    #[test]
    fn the_named_requests_mirror_their_name() {
        assert_eq!(Method::ToolsCall.name_member(), Some("name"));
        assert_eq!(Method::PromptsGet.name_member(), Some("name"));
        assert_eq!(Method::ResourcesRead.name_member(), Some("uri"));
        assert_eq!(Method::ToolsList.name_member(), None);
    }
}
