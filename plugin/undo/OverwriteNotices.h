// SPDX-License-Identifier: MIT
#pragma once

#include <QJsonObject>
#include <QObject>
#include <QUuid>

namespace Optiverse {
class IScene;
struct SceneItem;
}

namespace Optiverse::Collab {

class CollabClient;
class EditLedger;

/**
 * "bob changed Lens 2 focal length to 75 (yours: 50)": when another user
 * overwrites a value the local user wrote within the ledger's window, says
 * who, what and both values, and offers to put ours back (restoreMine(), a
 * local edit like any other). Nothing for our own changes, nor for values
 * nobody else wrote at about the same time.
 */
class OverwriteNotices : public QObject
{
    Q_OBJECT
public:
    OverwriteNotices(Optiverse::IScene *scene, EditLedger *ledger, CollabClient *client, QObject *parent = nullptr);

    /// Writes @p mine back into @p uuid as a local edit (shared, undoable).
    bool restoreMine(const QUuid &uuid, const QJsonObject &mine, QString *errorString = nullptr);

signals:
    void notice(const QString &text, const QUuid &uuid, const QJsonObject &mine);

private:
    void onOverwritten(const QString &userId, const Optiverse::SceneItem &item, const QStringList &keys,
                       const QJsonObject &mine);

    Optiverse::IScene *m_scene;
    CollabClient *m_client;
};

} // namespace Optiverse::Collab
