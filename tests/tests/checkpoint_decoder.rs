//! The checkpoint decoder never panics, whatever it is given (over 100,000 generated
//! inputs per run), whatever it accepts round-trips exactly, and a flow resumed from
//! whatever it accepts runs without a panic.

use crux::Checkpoint;
use proptest::prelude::*;

const VALID: &str = r#"{"version":1,"flow_id":"ticket-42","flow_name":"refund","suspend_point":"approval","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","tracestate":"vendor=abc","suspended_at_ms":1700000000000}"#;

/// A flow resumed from a decoded checkpoint: the resume path reads its times and ids.
#[crux::flow(name = "refund", resume = checkpoint)]
fn resumed(checkpoint: &Checkpoint) -> bool {
    crux::flow::current_id().as_deref() == Some(checkpoint.flow_id())
}

fn decode(bytes: &[u8]) {
    match Checkpoint::from_json_slice(bytes) {
        Ok(checkpoint) => {
            let again = Checkpoint::from_json(&checkpoint.to_json())
                .expect("what was accepted re-encodes validly");
            assert_eq!(again, checkpoint);
            assert!(
                resumed(&checkpoint),
                "the resumed flow keeps the checkpoint's id"
            );
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
}

/// A JSON value of any shape, a few levels deep.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(
            |f| serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into)
        ),
        ".{0,40}".prop_map(serde_json::Value::from),
        "00-[0-9a-fA-F]{30,34}-[0-9a-f]{14,18}-[0-9a-f]{1,3}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

const FIELDS: [&str; 7] = [
    "version",
    "flow_id",
    "flow_name",
    "suspend_point",
    "traceparent",
    "tracestate",
    "suspended_at_ms",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 34_000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        decode(&bytes);
    }

    #[test]
    fn mutated_valid_checkpoints_never_panic(
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0u8..3, any::<u8>()), 1..6)
    ) {
        let mut bytes = VALID.as_bytes().to_vec();
        for (at, op, byte) in edits {
            let i = at.index(bytes.len() + 1);
            match op {
                0 => bytes.insert(i, byte),
                1 if i < bytes.len() => { bytes.remove(i); }
                _ if i < bytes.len() => bytes[i] = byte,
                _ => bytes.push(byte),
            }
        }
        decode(&bytes);
    }

    #[test]
    fn checkpoint_shaped_objects_never_panic(
        values in prop::collection::vec(prop::option::of(json_value()), FIELDS.len()),
        keep_valid in prop::collection::vec(any::<bool>(), FIELDS.len()),
    ) {
        let valid: serde_json::Value = serde_json::from_str(VALID).unwrap();
        let mut object = serde_json::Map::new();
        for ((field, value), keep) in FIELDS.iter().zip(values).zip(keep_valid) {
            match (keep, value) {
                (true, _) => { object.insert((*field).to_owned(), valid[*field].clone()); }
                (false, Some(v)) => { object.insert((*field).to_owned(), v); }
                (false, None) => {}
            }
        }
        decode(serde_json::Value::Object(object).to_string().as_bytes());
    }
}

#[test]
fn the_valid_checkpoint_decodes() {
    decode(VALID.as_bytes());
    assert!(Checkpoint::from_json(VALID).is_ok());
}
