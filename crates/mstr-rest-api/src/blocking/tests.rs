use super::worker::Worker;

#[test]
fn run_returns_the_future_output_from_the_worker_thread() {
    let worker = Worker::start().unwrap();
    let name = worker
        .run(async { std::thread::current().name().map(str::to_owned) })
        .unwrap();
    assert_eq!(name.as_deref(), Some("mstr-rest-blocking"));
}

#[test]
fn a_panicking_call_is_an_error_and_the_worker_keeps_serving() {
    let worker = Worker::start().unwrap();
    let err = worker
        .run(async {
            if true {
                panic!("boom");
            }
        })
        .unwrap_err();
    assert!(
        matches!(&err, mstr_rest_error::Error::Worker(_)) && err.to_string().contains("panicked"),
        "{err:?}"
    );
    assert_eq!(worker.run(async { 2 + 2 }).unwrap(), 4);
}

#[test]
fn calls_from_several_threads_share_one_worker() {
    let worker = Worker::start().unwrap();
    let results: Vec<usize> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let worker = &worker;
                scope.spawn(move || worker.run(async move { i * 10 }).unwrap())
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(results, [0, 10, 20, 30]);
}

#[test]
fn background_tasks_run_between_calls() {
    let worker = Worker::start().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel();
    worker
        .run(async move {
            tokio::spawn(async move {
                let _ = tx.send(7);
            });
        })
        .unwrap();
    assert_eq!(worker.run(rx).unwrap().unwrap(), 7);
}

#[test]
fn dropping_the_worker_inside_an_async_runtime_does_not_panic() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let worker = Worker::start().unwrap();
        assert_eq!(worker.run(async { 1 }).unwrap(), 1);
        drop(worker);
    });
}
