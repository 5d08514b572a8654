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
 */
class WalCheckpointer : public QThread
{
    Q_OBJECT
public:
    /// Checkpoints @p databasePath every @p intervalMs once started.
    explicit WalCheckpointer(const QString &databasePath, int intervalMs = 1000, QObject *parent = nullptr);
    /// Stops the thread (a checkpoint in progress is finished first).
    ~WalCheckpointer() override;

    /// Starts the thread and waits until its connection is open; false (and
    /// @p error) if it could not open the database.
    bool startChecked(QString *error);

protected:
    void run() override;

private:
    const QString m_path;
    const int m_intervalMs;
    QSemaphore m_ready; // released by run() once its connection is open, or failed
    QString m_error;    // written before m_ready is released
};

} // namespace Optiverse::Collab
