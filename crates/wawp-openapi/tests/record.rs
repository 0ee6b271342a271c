//! One generated client shared by concurrent calls: each call's record is
//! its own, whether the calls run as separate tasks or interleave in one.

use std::time::Duration;

use reqwest::StatusCode;
use wawp_openapi::{Client, Error, Record, Settings, recorded};
use wiremock::matchers::query_param;
use wiremock::{Mock, MockServer, ResponseTemplate};

const CALLS: u16 = 40;

/// Call `i` answers with its own status, header and a non-JSON body, later
/// for lower `i`, so that answers arrive out of order.
async fn server() -> MockServer {
    let server = MockServer::start().await;
    for i in 0..CALLS {
        Mock::given(query_param("chatId", format!("2012345{i:05}")))
            .respond_with(
                ResponseTemplate::new(status(i))
                    .insert_header("x-call", i.to_string())
                    .set_body_raw(format!("call {i}"), "text/plain")
                    .set_delay(Duration::from_millis(u64::from(CALLS - i))),
            )
            .mount(&server)
            .await;
    }
    server
}

fn status(i: u16) -> u16 {
    [401, 429, 400, 500, 502, 503][usize::from(i) % 6]
}

async fn call(client: &Client, i: u16) -> (u16, Record) {
    let (result, record) = recorded(
        client
            .send_otp_query()
            .instance_id("inst-1")
            .chat_id(format!("2012345{i:05}"))
            .send(),
    )
    .await;
    match result {
        Err(Error::InvalidResponsePayload(body, _)) => {
            assert_eq!(&body[..], format!("call {i}").as_bytes())
        }
        other => panic!("call {i}: expected an unparseable payload, got {other:?}"),
    }
    (i, record)
}

fn check(i: u16, record: &Record) {
    assert_eq!(
        record.status(),
        Some(StatusCode::from_u16(status(i)).unwrap()),
        "call {i}"
    );
    assert_eq!(
        record.headers()["x-call"],
        i.to_string().as_str(),
        "call {i}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tasks_on_one_client_keep_their_own_records() {
    let server = server().await;
    let client = Client::new(&server.uri(), Settings::default());
    let tasks: Vec<_> = (0..CALLS)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move { call(&client, i).await })
        })
        .collect();
    for task in tasks {
        let (i, record) = task.await.unwrap();
        check(i, &record);
    }
}

#[tokio::test]
async fn calls_interleaved_in_one_task_keep_their_own_records() {
    let server = server().await;
    let client = Client::new(&server.uri(), Settings::default());
    let results = futures::future::join_all((0..CALLS).map(|i| call(&client, i))).await;
    for (i, record) in &results {
        check(*i, record);
    }
}

#[tokio::test]
async fn a_call_outside_recorded_works_and_leaves_no_trace() {
    let server = server().await;
    let client = Client::new(&server.uri(), Settings::default());
    let err = client
        .send_otp_query()
        .instance_id("inst-1")
        .chat_id("201234500001")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidResponsePayload(..)), "{err:?}");
    // A later recorded call starts from an empty record.
    let (_, record) = recorded(async {}).await;
    assert_eq!(record.status(), None);
}

/// A success's headers are not copied (nobody reads them; every call would
/// pay): the record keeps its status only.
#[tokio::test]
async fn a_success_is_recorded_without_its_headers() {
    let server = MockServer::start().await;
    Mock::given(query_param("chatId", "201234500002"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-call", "2")
                .set_body_raw("not json", "text/plain"),
        )
        .mount(&server)
        .await;
    let client = Client::new(&server.uri(), Settings::default());
    let (result, record) = recorded(
        client
            .send_otp_query()
            .instance_id("inst-1")
            .chat_id("201234500002")
            .send(),
    )
    .await;
    assert!(matches!(result, Err(Error::InvalidResponsePayload(..))));
    assert_eq!(record.status(), Some(StatusCode::OK));
    assert!(record.headers().is_empty());
}
