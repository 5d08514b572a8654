// SPDX-License-Identifier: MIT
// A data dir holding one session as the server stores it (SessionStore, one
// transaction per command with its history operation), without a server.
#pragma once

#include "HistoryOperation.h"
#include "SessionStore.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QString>

class StoredSession
{
public:
    static QString itemId(int n) { return QStringLiteral("item-%1").arg(n, 3, 10, QLatin1Char('0')); }
    static QString databasePath(const QString &dir) { return QDir(dir).filePath(QStringLiteral("optiverse-collab.sqlite")); }

    /// Stores @p session in @p dir: @p items lenses added (seq 1..items), then
    /// @p moves moves of item (k % items) to x_mm = 1000 + k. Returns the scene
    /// at the end (id -> data), empty on failure.
    static QMap<QString, QJsonObject> write(const QString &dir, const QString &session, int items, int moves)
    {
        using namespace Optiverse::Collab;
        SessionStore store;
        QString error;
        if (!store.open(dir, &error)) {
            qWarning() << error;
            return {};
        }
        QMap<QString, QJsonObject> scene;
        qint64 seq = 0;
        auto store1 = [&](const StateItem &item, HistoryOperation op) {
            op.seq = ++seq;
            op.userId = QStringLiteral("alice");
            op.timeMs = 1'790'000'000'000 + seq;
            const QJsonObject relayed{{QLatin1String("type"), QLatin1String("command")},
                                      {QLatin1String("seq"), seq},
                                      {QLatin1String("command"), op.command}};
            if (!store.putItem(session, item, seq, QString::fromUtf8(QJsonDocument(relayed).toJson(QJsonDocument::Compact)),
                               &error, false, QJsonDocument(op.toJson()).toJson(QJsonDocument::Compact))) {
                qWarning() << error;
                return false;
            }
            scene.insert(item.id, item.data);
            return true;
        };
        for (int i = 0; i < items; ++i) {
            const StateItem item{itemId(i), QStringLiteral("lens"),
                                 {{QLatin1String("x_mm"), double(i)},
                                  {QLatin1String("focal_length"), 100.0},
                                  {QLatin1String("name"), QStringLiteral("Lens %1 with a name long enough to fill pages").arg(i)}}};
            HistoryOperation op;
            op.command = {{QLatin1String("action"), QLatin1String("add_item")},
                          {QLatin1String("item_id"), item.id},
                          {QLatin1String("item_type"), item.type},
                          {QLatin1String("data"), item.data}};
            op.changes = {HistoryOperation::diff(item.id, nullptr, &item)};
            if (!store1(item, op))
                return {};
        }
        for (int k = 0; k < moves; ++k) {
            StateItem item{itemId(k % items), QStringLiteral("lens"), scene.value(itemId(k % items))};
            const QJsonValue before = item.data.value(QLatin1String("x_mm"));
            item.data.insert(QLatin1String("x_mm"), 1000.0 + k);
            HistoryOperation op;
            op.command = {{QLatin1String("action"), QLatin1String("move_item")},
                          {QLatin1String("item_id"), item.id},
                          {QLatin1String("item_type"), item.type},
                          {QLatin1String("data"), QJsonObject{{QLatin1String("x_mm"), 1000.0 + k}}}};
            op.changes = {HistoryOperation::propertyChange(item.id, item.type,
                                                           {{QStringLiteral("x_mm"), before, 1000.0 + k}})};
            if (!store1(item, op))
                return {};
        }
        return scene;
    }
};
