// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/ieditinghost.h>
#include <optiverse/isceneobserver.h>

#include <QObject>
#include <QSet>

namespace Optiverse {
class IScene;
}

namespace Optiverse::Collab {

class CollabClient;
class PresenceManager;

/**
 * Who is editing what. What we edit (items we drag, reported by every host
 * through ISceneObserver, and items open in the host's properties dialog,
 * through the optional IEditingHost) goes out in presence as "editing"; what
 * others edit is handed to the host's IEditingHost (outline "alice is editing",
 * the dialog's banner). Information only: nothing is ever locked.
 */
class EditingPresence : public QObject, private Optiverse::ISceneObserver, private Optiverse::IEditingObserver
{
    Q_OBJECT
public:
    /// @p editingHost may be null (drags are still announced; others' edits not shown).
    EditingPresence(Optiverse::IScene *scene, Optiverse::IEditingHost *editingHost, PresenceManager *presence,
                    CollabClient *client, QObject *parent = nullptr);
    ~EditingPresence() override;

    /// What we announce now (dragged items first, then open ones), as sent.
    QStringList localEditing() const;

private:
    void itemDragStateChanged(const QUuid &uuid, bool dragging) override;
    void itemRemoved(const Optiverse::SceneItem &item, Optiverse::ChangeOrigin origin) override;
    void localEditingChanged(const QList<QUuid> &uuids) override;
    void announce();
    void onRemotePresence(const QString &userId, const QJsonObject &presence);

    Optiverse::IScene *m_scene;
    Optiverse::IEditingHost *m_host;
    PresenceManager *m_presence;
    CollabClient *m_client;
    QList<QUuid> m_dragging;
    QList<QUuid> m_open;
};

} // namespace Optiverse::Collab
