// SPDX-License-Identifier: MIT
#pragma once

#include <optiverse/sceneitem.h>

#include <QDialog>
#include <QHash>

class QLabel;
class QWidget;

/**
 * Edit Properties…: one field per data key (numbers as QDoubleSpinBox,
 * strings as QLineEdit, booleans as QCheckBox). changes() returns only the
 * keys the user actually changed, ready for IScene::updateItem().
 */
class PropertiesDialog : public QDialog
{
    Q_OBJECT
public:
    explicit PropertiesDialog(const Optiverse::SceneItem &item, QWidget *parent = nullptr);

    /// The editor of @p key (tests fill fields through it), or null.
    QWidget *editor(const QString &key) const { return m_editors.value(key); }
    QJsonObject changes() const;
    Optiverse::SceneItem item() const { return m_item; }

    /// Names the other users editing this item now ("alice is editing this
    /// item too"); empty: no banner. Information only: nothing is blocked.
    void setOthersEditing(const QStringList &names);
    /// The banner's text ("" when hidden).
    QString othersEditingText() const;

private:
    Optiverse::SceneItem m_item;
    QJsonObject m_shown; // the item's data over its type's defaults (shown, not stored)
    QHash<QString, QWidget *> m_editors;
    QLabel *m_othersEditing;
};
