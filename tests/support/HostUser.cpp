// SPDX-License-Identifier: MIT
#include "HostUser.h"

#include "SyncManager.h"

#include <QSignalSpy>

using namespace Optiverse::Collab;

HostUser::HostUser() = default;

HostUser::~HostUser()
{
    session.reset(); // before the window and its scene
}

bool HostUser::join(const QUrl &url, const QString &who, const QString &sessionId)
{
    session = std::make_unique<CollaborationSession>(scene());
    session->sync()->setSceneKeys(scene());
    if (!beforeJoin())
        return false;
    QSignalSpy synced(session->sync(), &SyncManager::synchronized);
    session->join(url, sessionId, who, SyncManager::JoinMode::ReplaceLocalScene);
    return synced.wait(10000);
}

double HostUser::number(const QUuid &uuid, const QString &key) const
{
    return scene()->item(uuid).data.value(key).toDouble(-1);
}

QMap<QUuid, QJsonObject> HostUser::items() const
{
    QMap<QUuid, QJsonObject> out;
    for (const Optiverse::SceneItem &i : scene()->items())
        out.insert(i.uuid, i.data);
    return out;
}

Optiverse::SceneItem sceneItem(const QString &type, double x, const QJsonObject &extra)
{
    QJsonObject data{{QLatin1String(Optiverse::kXmm), x}, {QLatin1String(Optiverse::kYmm), 0.0},
                     {QLatin1String(Optiverse::kAngleDeg), 0.0}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        data.insert(it.key(), it.value());
    return {QUuid::createUuid(), type, data};
}

bool startSessionOfTwo(ServerProcess &server, HostUser &alice, HostUser &bob)
{
    return server.start() && alice.join(server.url(), QStringLiteral("alice"))
        && bob.join(server.url(), QStringLiteral("bob"));
}
