// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QStringList>
#include <QUrl>

/**
 * The real optiverse-collab-server as a child process on 127.0.0.1 with an
 * ephemeral port, killed when this goes out of scope (or when the test
 * process dies). Being a separate process, its memory and file descriptors
 * can be read from /proc without the test's own clients counted in.
 *
 * What it prints is collected as it arrives (whenever the test's event loop
 * runs, e.g. in QTRY_* or QTest::qWaitFor), so log() can be polled while it runs.
 */
class ServerProcess
{
public:
    ServerProcess();
    ~ServerProcess();
    Q_DISABLE_COPY_MOVE(ServerProcess)

    /// Starts it with @p args plus --host 127.0.0.1 --port 0 and waits up to
    /// @p timeoutMs for "Ready."; false (with a warning showing its output) if
    /// it did not get there.
    bool start(const QStringList &args = {}, int timeoutMs = 20000);
    /// Starts it with at most @p limit file descriptors (soft and hard
    /// RLIMIT_NOFILE), as on a system with that limit; 0: the test's own.
    void setDescriptorLimit(int limit) { m_descriptorLimit = limit; }
    /// SIGTERM, waits up to @p timeoutMs for the exit, returns log(). Check
    /// isRunning(), exitStatus() and exitCode() for how it ended.
    QByteArray stop(int timeoutMs = 10000);
    /// SIGTERM without waiting, to watch the shutdown from outside.
    void terminate();
    /// SIGKILL without waiting: dies without any chance to flush.
    void kill();

    /// From the process being created until it has exited.
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    /// How it ended (meaningful once !isRunning()).
    QProcess::ExitStatus exitStatus() const { return m_process.exitStatus(); }
    int exitCode() const { return m_process.exitCode(); }

    /// The port it listens on, known once start() succeeded.
    quint16 port() const { return m_port; }
    QUrl url(const QString &scheme = QStringLiteral("ws")) const;
    qint64 pid() const { return m_process.processId(); }
    /// Resident set size from /proc/PID/status (VmRSS), in KiB; -1 if unknown.
    qint64 rssKiB() const;
    /// Open file descriptors (/proc/PID/fd entries); -1 if unknown.
    int fdCount() const;

    /// What it printed on stdout: the start banner (address, URLs, TLS fingerprint, "Ready.").
    const QByteArray &output() const { return m_output; }
    /// Everything it printed so far, stdout and stderr (its log) in the order read.
    const QByteArray &log() const { return m_log; }
    int logCount(const QByteArray &needle) const { return int(m_log.count(needle)); }

    /// Runs the server with @p args to its exit; returns the exit code
    /// (-1 for a crash, -1000 for a time-out) and what it printed (stdout, then stderr).
    static int runToExit(const QStringList &args, QByteArray *printed);
    static QString executable();

private:
    void readOutput();
    void readErrors();

    QProcess m_process;
    QByteArray m_output;
    QByteArray m_log;
    quint16 m_port = 0;
    int m_descriptorLimit = 0;
};
