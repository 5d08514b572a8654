// SPDX-License-Identifier: MIT
#include "WalCheckpointer.h"

#include "ServerLog.h"

#include <QAtomicInteger>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTimer>

namespace Optiverse::Collab {

namespace {
QAtomicInteger<quint64> s_counter;
} // namespace

WalCheckpointer::WalCheckpointer(const QString &databasePath, int intervalMs, QObject *parent)
    : QThread(parent), m_path(databasePath), m_intervalMs(qMax(10, intervalMs))
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
        if (!db.open()) {
            m_error = db.lastError().text();
            if (m_error.isEmpty())
                m_error = QStringLiteral("cannot open %1").arg(m_path);
            m_ready.release();
        } else {
            QSqlQuery checkpoint(db);
            QTimer timer;
            QObject::connect(&timer, &QTimer::timeout, [&checkpoint] {
                if (!checkpoint.exec(QStringLiteral("PRAGMA wal_checkpoint(PASSIVE)")))
                    qCWarning(lcServer).noquote() << "storage: checkpoint failed:" << checkpoint.lastError().text();
                checkpoint.finish();
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
