// SPDX-License-Identifier: MIT
#include "WalCheckpointer.h"

#include "ServerLog.h"

#include <QAtomicInteger>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>

namespace Optiverse::Collab {

namespace {
QAtomicInteger<quint64> s_counter;
} // namespace

WalCheckpointer::WalCheckpointer(const QString &databasePath, int intervalMs, qint64 restartAboveBytes,
                                 qint64 truncateAboveBytes, QObject *parent)
    : QThread(parent), m_path(databasePath), m_intervalMs(qMax(10, intervalMs)), m_restartAboveBytes(restartAboveBytes),
      m_truncateAboveBytes(truncateAboveBytes)
{
}

WalCheckpointer::~WalCheckpointer()
{
    quit();
    wait();
}

bool WalCheckpointer::startChecked(QString *error)
{
    start();
    m_ready.acquire();
    if (!m_error.isEmpty()) {
        wait();
        *error = m_error;
        return false;
    }
    return true;
}

void WalCheckpointer::run()
{
    const QString name = QStringLiteral("optiverse-checkpoint-%1").arg(++s_counter);
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
        db.setDatabaseName(m_path);
        // TRUNCATE waits this long for the writer (whose transactions last
        // well under a millisecond) and for readers, else tries next tick.
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=200"));
        if (!db.open()) {
            m_error = db.lastError().text();
            if (m_error.isEmpty())
                m_error = QStringLiteral("cannot open %1").arg(m_path);
            m_ready.release();
        } else {
            QSqlQuery checkpoint(db);
            // The WAL's page size, to turn the frames a checkpoint reports into bytes.
            qint64 pageSize = 4096;
            if (checkpoint.exec(QStringLiteral("PRAGMA page_size")) && checkpoint.next())
                pageSize = qMax<qint64>(512, checkpoint.value(0).toLongLong());
            checkpoint.finish();
            // Returns the frames left in the WAL's log (-1: failed or busy).
            auto run = [&checkpoint](const char *mode) -> qint64 {
                QElapsedTimer took;
                took.start();
                qint64 frames = -1;
                if (!checkpoint.exec(QStringLiteral("PRAGMA wal_checkpoint(%1)").arg(QLatin1String(mode)))) {
                    qCWarning(lcServer).noquote() << "storage: checkpoint failed:" << checkpoint.lastError().text();
                } else if (checkpoint.next()) {
                    const bool busy = checkpoint.value(0).toInt() != 0;
                    frames = busy ? -1 : checkpoint.value(1).toLongLong();
                    qCDebug(lcServer).noquote() << "storage: checkpoint" << mode << (busy ? "busy" : "done") << "log"
                                                << checkpoint.value(1).toLongLong() << "frames, in"
                                                << took.nsecsElapsed() / 1000 << "us";
                }
                checkpoint.finish();
                return frames;
            };
            const QString walPath = m_path + QLatin1String("-wal");
            QTimer timer;
            QObject::connect(&timer, &QTimer::timeout, [&] {
                // Busy (a reader or the writer kept a RESTART or TRUNCATE
                // waiting past the timeout) leaves the WAL as it was: next tick.
                if (run("PASSIVE") * pageSize > m_restartAboveBytes)
                    run("RESTART");
                // RESTART reuses the file from its start but never shrinks it.
                if (QFileInfo(walPath).size() > m_truncateAboveBytes)
                    run("TRUNCATE");
            });
            timer.start(m_intervalMs);
            m_ready.release();
            exec();
            checkpoint = QSqlQuery();
            db.close();
        }
    }
    QSqlDatabase::removeDatabase(name);
}

} // namespace Optiverse::Collab
