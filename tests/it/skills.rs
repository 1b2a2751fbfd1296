//! The skills extension as a client reads it: the example server's skill, listed with its
//! frontmatter and each file's digest and size, got by URI, and read as resources.

use serde_json::{json, Value};
use sha2::Digest as _;

fn meta() -> Value {
    json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
           "io.modelcontextprotocol/clientCapabilities": {}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_skill_is_listed_got_and_read_with_its_digests() {
    let (_child, mut rpc) = crate::example_stdio::spawn("tool_server");
    let discovered = rpc
        .request(1, "server/discover", json!({"_meta": meta()}))
        .await;
    let capabilities = &discovered["result"]["capabilities"];
    assert_eq!(
        capabilities["extensions"]["io.modelcontextprotocol/skills"],
        json!({})
    );
    assert!(capabilities["resources"].is_object(), "{capabilities}");

    let listed = rpc
        .request(2, "skills/list", json!({"_meta": meta()}))
        .await;
    let result = &listed["result"];
    assert_eq!(result["resultType"], "complete", "{listed}");
    assert!(result["ttlMs"].as_u64().is_some() && result["cacheScope"] == "public");
    let skills = result["skills"].as_array().unwrap();
    assert_eq!(skills.len(), 1, "{listed}");
    let skill = &skills[0];
    assert_eq!(skill["uri"], "skill://resilient-fetching/SKILL.md");
    let frontmatter = &skill["frontmatter"];
    assert_eq!(frontmatter["name"], "resilient-fetching");
    assert_eq!(frontmatter["license"], "Apache-2.0");
    assert_eq!(frontmatter["metadata"]["server"], "sturdy-tool-server");

    // Each file's digest and size are those of the bytes on disk, and of what a read returns.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/tool_server/skills/resilient-fetching");
    let resources = skill["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 2, "{skill}");
    for (n, file) in resources.iter().enumerate() {
        let uri = file["uri"].as_str().unwrap();
        let relative = uri.strip_prefix("skill://resilient-fetching/").unwrap();
        let bytes = std::fs::read(dir.join(relative)).unwrap();
        let digest: String = sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(file["digest"], format!("sha256:{digest}"), "{file}");
        assert_eq!(file["size"], bytes.len(), "{file}");
        let read = rpc
            .request(
                10 + n as i64,
                "resources/read",
                json!({"uri": uri, "_meta": meta()}),
            )
            .await;
        let contents = &read["result"]["contents"][0];
        assert_eq!(
            contents["text"].as_str().unwrap().as_bytes(),
            &bytes[..],
            "{read}"
        );
        assert_eq!(contents["mimeType"], "text/markdown");
    }

    let got = rpc
        .request(
            20,
            "skills/get",
            json!({"uri": "skill://resilient-fetching/SKILL.md", "_meta": meta()}),
        )
        .await;
    assert_eq!(&got["result"]["skill"], skill, "{got}");
    // Not a skill, a supporting file, a way out of the skill: no skill, no resource.
    for (id, uri) in [
        (21, "skill://nothing/SKILL.md"),
        (22, "skill://resilient-fetching/references/errors.md"),
    ] {
        let refused = rpc
            .request(id, "skills/get", json!({"uri": uri, "_meta": meta()}))
            .await;
        assert_eq!(refused["error"]["code"], -32602, "{uri}: {refused}");
    }
    let escaped = rpc
        .request(
            23,
            "resources/read",
            json!({"uri": "skill://resilient-fetching/../../../../etc/passwd", "_meta": meta()}),
        )
        .await;
    assert_eq!(escaped["error"]["code"], -32602, "{escaped}");
}
