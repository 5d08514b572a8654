// SPDX-License-Identifier: MIT
#include "OverwriteNotices.h"

#include "CollabClient.h"
#include "EditLedger.h"
#include "EditWords.h"

#include <optiverse/iscene.h>

namespace Optiverse::Collab {

OverwriteNotices::OverwriteNotices(IScene *scene, EditLedger *ledger, CollabClient *client, QObject *parent)
    : QObject(parent)
    , m_scene(scene)
    , m_client(client)
{
    connect(ledger, &EditLedger::overwritten, this, &OverwriteNotices::onOverwritten);
}

void OverwriteNotices::onOverwritten(const QString &userId, const SceneItem &item, const QStringList &keys,
                                     const QJsonObject &mine)
{
    QString who = userId;
    for (const CollabClient::User &u : m_client->users())
        if (u.id == userId && !u.displayName.isEmpty())
            who = u.displayName;
    const QString what = EditWords::item(item.type, item.data);
    const bool pose = keys.contains(QLatin1String(kXmm)) || keys.contains(QLatin1String(kYmm))
        || keys.contains(QLatin1String(kAngleDeg));
    QString text;
    if (pose) {
        text = tr("%1 moved %2 after you").arg(who, what);
    } else if (keys.size() == 1) {
        const QString &k = keys.constFirst();
        text = tr("%1 changed %2 %3 to %4 (yours: %5)")
                   .arg(who, what, EditWords::property(k), EditWords::value(item.data.value(k)), EditWords::value(mine.value(k)));
    } else {
        text = tr("%1 changed %2 %3 after you").arg(who, what, EditWords::properties(keys));
    }
    emit notice(text, item.uuid, mine);
}

bool OverwriteNotices::restoreMine(const QUuid &uuid, const QJsonObject &mine, QString *errorString)
{
    return m_scene->updateItem(uuid, mine, ChangeOrigin::Local, errorString);
}

} // namespace Optiverse::Collab
