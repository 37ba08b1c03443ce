"""The bounded pipe between the request thread and the loader: order, end of file, abort, backpressure."""

import threading

import pytest

from deals.intake.chunk_pipe import ChunkPipe, PipeAborted

DEADLINE = 30  # seconds; only reached when the pipe is broken


def in_thread(target, *args) -> tuple[threading.Thread, list]:
    result: list = []
    thread = threading.Thread(target=lambda: result.append(target(*args)), daemon=True)
    thread.start()
    return thread, result


@pytest.mark.parametrize(
    "chunks",
    [[], [b"a"], [b"one\n", b"two\n", b"three\n"], [b"x" * 100_000, b"y"]],
)
def test_the_reader_gets_the_chunks_in_order_then_end_of_file(chunks):
    pipe = ChunkPipe(max_chunks=2)

    def feed() -> None:
        for chunk in chunks:
            pipe.write(chunk)
        pipe.close()

    writer, _ = in_thread(feed)
    received = []
    while data := pipe.read():
        received.append(data)
    writer.join(DEADLINE)
    assert b"".join(received) == b"".join(chunks)
    assert pipe.read() == b""  # and it stays at the end


@pytest.mark.parametrize(
    ("reason", "raised"),
    [(None, PipeAborted), (ValueError("the request failed"), ValueError)],
)
def test_an_abort_makes_the_readers_next_read_raise_the_reason(reason, raised):
    pipe = ChunkPipe(max_chunks=2)
    pipe.write(b"a")
    pipe.abort(reason)
    with pytest.raises(raised):
        pipe.read()
    assert pipe.abort_reason is reason


def test_a_writer_blocked_on_a_full_pipe_is_released_when_the_reader_stops():
    pipe = ChunkPipe(max_chunks=1)
    assert pipe.write(b"fills the pipe")
    writer, result = in_thread(pipe.write, b"waits for room")
    pipe.reader_done()
    writer.join(DEADLINE)
    assert not writer.is_alive() and len(result) == 1  # released, whether its chunk went in or not
    assert pipe.write(b"after") is False  # from now on, told the reader has gone
