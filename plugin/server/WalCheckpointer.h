// SPDX-License-Identifier: MIT
#pragma once

#include <QSemaphore>
#include <QString>
#include <QThread>

namespace Optiverse::Collab {

/**
 * Copies a SQLite WAL back into its database from a thread of its own.
 *
 * SQLite's automatic checkpoint runs inside a commit, on the committing
 * thread, and with synchronous=NORMAL it fsyncs the database file: on the
 * server's event loop that stalled every session (p99 34 ms instead of 2 ms
 * at 1,000 commands/s). A PASSIVE checkpoint from another connection never
 * blocks writers, and commits stay exactly as durable (they still append to
 * the WAL before returning).
 *
 * PASSIVE alone never shrinks the WAL while writes continue: SQLite restarts
 * it only when a writer finds it wholly copied back, which under a steady
 * stream of commits never happens (1 GB after 36 s at 1,000 commands/s). So
 * once the WAL file exceeds a threshold, a PASSIVE pass copies it back
 * without blocking anyone and a TRUNCATE right after copies only what came
 * since, then cuts the file to zero. TRUNCATE holds the write lock meanwhile:
 * a commit waits for it in its busy handler (bench/WalBench.cpp measures how long).
 */
class WalCheckpointer : public QThread
{
    Q_OBJECT
public:
    /// Checkpoints @p databasePath (PASSIVE) every @p intervalMs once started;
    /// then restarts the WAL if it holds more than @p restartAboveBytes, and
    /// truncates the file if it is larger than @p truncateAboveBytes.
    explicit WalCheckpointer(const QString &databasePath, int intervalMs = DefaultIntervalMs,
                             qint64 restartAboveBytes = DefaultRestartAboveBytes,
                             qint64 truncateAboveBytes = DefaultTruncateAboveBytes, QObject *parent = nullptr);
    /// Stops the thread (a checkpoint in progress is finished first).
    ~WalCheckpointer() override;

    /// Starts the thread and waits until its connection is open; false (and
    /// @p error) if it could not open the database.
    bool startChecked(QString *error);

    static constexpr int DefaultIntervalMs = 250;
    static constexpr qint64 DefaultRestartAboveBytes = 16 << 20;
    static constexpr qint64 DefaultTruncateAboveBytes = 48 << 20;

protected:
    void run() override;

private:
    const QString m_path;
    const int m_intervalMs;
    const qint64 m_restartAboveBytes;
    const qint64 m_truncateAboveBytes;
    QSemaphore m_ready; // released by run() once its connection is open, or failed
    QString m_error;    // written before m_ready is released
};

} // namespace Optiverse::Collab
